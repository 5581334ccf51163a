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


def test_labels_and_boxes_are_scipys():
    for _, mask in random_masks(0, 1500):
        want, n = ndimage.label(mask, structure=EIGHT)
        got, count = components.label(mask)
        assert count == n and np.array_equal(got, want)
        assert components.boxes(got, count) == ndimage.find_objects(want)


def test_long_winding_strokes_join():
    """A serpentine joins only through many hooks: one piece however far its ends are apart."""
    snake = np.zeros((41, 30), dtype=bool)
    snake[::2] = True
    snake[1::4, -1] = True  # turns on the right
    snake[3::4, 0] = True   # and on the left
    assert components.label(snake)[1] == 1 == ndimage.label(snake, structure=EIGHT)[1]
    snake[20, :] = False  # cut in two
    assert components.label(snake)[1] == 2 == ndimage.label(snake, structure=EIGHT)[1]
    stairs = np.eye(30, dtype=bool) | np.eye(30, k=2, dtype=bool)  # pieces that touch diagonally only
    stairs[::-1] |= np.eye(30, dtype=bool)
    assert components.label(stairs)[1] == ndimage.label(stairs, structure=EIGHT)[1]


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
