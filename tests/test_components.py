"""The numpy ink components and morphology give scipy.ndimage's answers exactly (the digit path
uses them so that reading digits never imports scipy)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import ndimage

from digitdesk import components

EIGHT = np.ones((3, 3), dtype=bool)


def random_masks(seed: int, count: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        yield rng, rng.random((h, w)) < rng.uniform(0.03, 0.7)


def test_pieces_are_scipys():
    """Each piece's picture, area and box, and the masks painted back, against scipy."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        stack = rng.random((int(rng.integers(1, 6)), h, w)) < rng.uniform(0.03, 0.7)
        p = components.pieces(stack)
        want = []
        for k, mask in enumerate(stack):
            labels, n = ndimage.label(mask, structure=EIGHT)
            areas = np.bincount(labels.ravel())[1:]
            for (ys, xs), area in zip(ndimage.find_objects(labels), areas):
                want.append((k, int(area), ys.start, ys.stop, xs.start, xs.stop))
        got = list(zip(*(a.tolist() for a in (p.picture, p.area, p.y0, p.y1, p.x0, p.x1))))
        assert sorted(got) == sorted(want)
        keep = rng.random(len(got)) < 0.5
        painted = components.paint(p.runs, keep, stack.shape)
        assert np.array_equal(painted | components.paint(p.runs, ~keep, stack.shape), stack)
        assert not (painted & components.paint(p.runs, ~keep, stack.shape)).any()


def reference_keep_digit_components(ink: np.ndarray) -> np.ndarray | None:
    """The speck rule as first written with scipy.ndimage (None: no ink)."""
    labels, n = ndimage.label(ink > 0.3, structure=EIGHT)
    if n == 0:
        return None
    areas = np.bincount(labels.ravel())[1:]
    big = areas >= 0.10 * areas.max()
    slices = ndimage.find_objects(labels)
    ys = [s[0] for s, b in zip(slices, big) if b]
    xs = [s[1] for s, b in zip(slices, big) if b]
    y0, y1 = min(s.start for s in ys), max(s.stop for s in ys)
    x0, x1 = min(s.start for s in xs), max(s.stop for s in xs)
    pad = 0.1 * max(y1 - y0, x1 - x0)
    keep = np.zeros(n + 1, dtype=bool)
    for i, (s, b) in enumerate(zip(slices, big), start=1):
        cy, cx = (s[0].start + s[0].stop) / 2, (s[1].start + s[1].stop) / 2
        keep[i] = b or (y0 - pad <= cy <= y1 + pad and x0 - pad <= cx <= x1 + pad)
    if keep[1:].all():
        return ink
    return np.where(ndimage.binary_dilation(keep[labels], structure=EIGHT), ink, 0.0).astype(np.float32)


def test_specks_are_dropped_as_the_scipy_rule_does():
    """A digit-sized blob with specks near and far, one picture at a time and as a stack."""
    from digitdesk.preprocess import NoInkError, _drop_specks, _keep_digit_components

    rng = np.random.default_rng(9)
    inks, changed = [], 0
    for _ in range(400):
        ink = np.zeros((28, 28), np.float32)
        y, x, hh, ww = rng.integers(2, 10), rng.integers(2, 10), rng.integers(6, 16), rng.integers(3, 14)
        ink[y : y + hh, x : x + ww] = rng.uniform(0.4, 1.0)
        for _ in range(int(rng.integers(0, 6))):
            sy, sx, s = rng.integers(0, 27), rng.integers(0, 27), rng.integers(1, 4)
            ink[sy : sy + s, sx : sx + s] = rng.uniform(0.0, 1.0)
        inks.append(ink)
    inks.append(np.zeros((28, 28), np.float32))  # no ink at all
    cleaned, inked = _drop_specks(np.stack(inks))
    for ink, got, has in zip(inks, cleaned, inked):
        want = reference_keep_digit_components(ink)
        assert has == (want is not None)
        if want is None:
            with pytest.raises(NoInkError):
                _keep_digit_components(ink)
            continue
        assert np.array_equal(got, want) and np.array_equal(_keep_digit_components(ink), want)
        changed += not np.array_equal(want, ink)
    assert changed > 100  # specks were dropped, not just left alone


def test_long_winding_strokes_join():
    """A serpentine joins only through many hooks: one piece however far its ends are apart."""
    snake = np.zeros((41, 30), dtype=bool)
    snake[::2] = True
    snake[1::4, -1] = True  # turns on the right
    snake[3::4, 0] = True   # and on the left
    assert components.component_counts(snake[None]).tolist() == [1] == [ndimage.label(snake, structure=EIGHT)[1]]
    snake[20, :] = False  # cut in two
    assert components.component_counts(snake[None]).tolist() == [2] == [ndimage.label(snake, structure=EIGHT)[1]]
    stairs = np.eye(30, dtype=bool) | np.eye(30, k=2, dtype=bool)  # pieces that touch diagonally only
    stairs[::-1] |= np.eye(30, dtype=bool)
    assert components.component_counts(stairs[None]).tolist() == [ndimage.label(stairs, structure=EIGHT)[1]]


def test_counts_per_picture_of_a_stack():
    rng = np.random.default_rng(1)
    for _ in range(100):
        stack = rng.random((int(rng.integers(1, 70)), 28, 28)) < rng.uniform(0.02, 0.5)
        stack[0] = False  # an empty picture has no piece
        want = [ndimage.label(m, structure=EIGHT)[1] for m in stack]
        assert components.component_counts(stack).tolist() == want


def test_morphology_is_scipys():
    for rng, mask in random_masks(2, 500):
        assert np.array_equal(components.dilate(mask), ndimage.binary_dilation(mask, structure=EIGHT))
        assert np.array_equal(components.dilate(np.stack([mask, ~mask]))[1], ndimage.binary_dilation(~mask, structure=EIGHT))
        assert np.array_equal(components.erode(mask), ndimage.binary_erosion(mask, structure=EIGHT, border_value=0))
        size = int(rng.integers(2, 7))
        image = np.pad(rng.random(mask.shape).astype(np.float32) * mask, size // 2)
        assert np.array_equal(components.max_filter(image, size), ndimage.grey_dilation(image, size=(size, size)))
        levels = rng.random((6, 6)).astype(np.float32)
        assert np.array_equal(components.min_filter_2(levels), ndimage.minimum_filter(levels, size=2, mode="nearest"))


@pytest.mark.parametrize("module", ["digitdesk.preprocess", "digitdesk.page_reading", "digitdesk.batch"])
def test_digit_reading_never_imports_scipy(module):
    code = f"import sys, {module}; sys.exit('scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_grow_cross_is_scipy_binary_dilation_with_iterations():
    from scipy import ndimage

    from digitdesk.components import grow_cross

    rng = np.random.default_rng(3)
    for _ in range(200):
        mask = rng.random(tuple(rng.integers(1, 30, size=2))) < rng.uniform(0.01, 0.3)
        for times in (1, 2, 3):
            got = grow_cross(mask, times)
            assert got is not mask and np.array_equal(got, ndimage.binary_dilation(mask, iterations=times))
