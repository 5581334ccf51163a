"""Batched normalisation of cut hypotheses gives the single path's inputs, bit for bit.

A last-bit difference in a model input can change a reading, so equality is exact. The
pictures cover every branch of ``normalize_digit_with_box``: one piece of ink, specks dropped or
kept, thin strokes thickened by each amount, a speck alone, no ink at all.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from digitdesk.numbers.candidate_inputs import _eroded, _thickened, normalize_many
from digitdesk.preprocess import NoInkError, normalize_digit_with_box


def _stroke(img: np.ndarray, rng: np.random.Generator, width: float) -> None:
    """A soft straight stroke between two random points."""
    h, w = img.shape
    (y0, y1), (x0, x1) = rng.uniform(0, h, 2), rng.uniform(0, w, 2)
    yy, xx = np.mgrid[0:h, 0:w]
    dy, dx = y1 - y0, x1 - x0
    t = np.clip(((yy - y0) * dy + (xx - x0) * dx) / max(dy * dy + dx * dx, 1e-9), 0, 1)
    d = np.hypot(yy - (y0 + t * dy), xx - (x0 + t * dx))
    np.maximum(img, np.clip(1.0 - (d - width / 2), 0.0, 1.0).astype(np.float32), out=img)


def _pictures(seed: int = 3, count: int = 120) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        h, w = int(rng.integers(8, 90)), int(rng.integers(4, 100))
        img = np.zeros((h, w), dtype=np.float32)
        for _ in range(int(rng.integers(1, 4))):
            _stroke(img, rng, width=float(rng.choice([0.6, 1.0, 2.5, 4.0])))
        for _ in range(int(rng.integers(0, 4))):       # specks, near the strokes or far away
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            img[y : y + 2, x : x + 2] = rng.uniform(0.2, 1.0)
        out.append(img)
    out.append(np.zeros((12, 9), dtype=np.float32))    # no ink
    speck = np.zeros((10, 10), dtype=np.float32)
    speck[4, 4] = 0.9                                   # a speck alone
    out.append(speck)
    return out


def _single(ink: np.ndarray):
    try:
        return normalize_digit_with_box(ink)
    except NoInkError as exc:
        return exc


@pytest.mark.parametrize("size", [1, 5, 17, 60])
def test_batched_inputs_equal_single_ones_bit_for_bit(size):
    pictures = _pictures()
    for start in range(0, len(pictures), size):
        chunk = pictures[start : start + size]
        for ink, got in zip(chunk, normalize_many(chunk)):
            want = _single(ink)
            if isinstance(want, NoInkError):
                assert isinstance(got, NoInkError) and str(got) == str(want)
            else:
                assert got[1] == want[1]
                assert got[0].dtype == np.float32 and np.array_equal(got[0], want[0])


def test_the_pictures_reach_every_branch(monkeypatch):
    """Specks dropped, thickening by several amounts: the equality test above covers them."""
    import digitdesk.numbers.candidate_inputs as batched

    grows = set()
    real = batched._thickened
    monkeypatch.setattr(batched, "_thickened", lambda crops, grow: grows.add(grow) or real(crops, grow))
    pictures = _pictures()
    results = normalize_many(pictures)
    several = sum(ndimage.label(p > 0.3, structure=np.ones((3, 3)))[1] > 1 for p in pictures)
    assert several >= 20 and len(grows) >= 4
    assert sum(isinstance(r, NoInkError) for r in results) >= 2
    assert normalize_many([]) == []


@pytest.mark.parametrize("grow", [1, 2, 3, 4, 5])
def test_thickening_equals_grey_dilation(grow):
    rng = np.random.default_rng(grow)
    crops = [rng.random((int(rng.integers(1, 30)), int(rng.integers(1, 30))), dtype=np.float32) for _ in range(6)]
    pad = (grow + 1) // 2
    for crop, got in zip(crops, _thickened(crops, grow)):
        want = ndimage.grey_dilation(np.pad(crop, pad), size=(grow + 1, grow + 1))
        assert np.array_equal(got, want)


def test_erosion_by_slicing_equals_scipy():
    rng = np.random.default_rng(7)
    masks = rng.random((5, 23, 31)) > 0.3
    square = np.ones((3, 3), dtype=bool)
    for mask, eroded in zip(masks, _eroded(masks)):
        assert np.array_equal(eroded, ndimage.binary_erosion(mask, structure=square, border_value=0))
