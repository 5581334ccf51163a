"""Cheaper ways to the same numbers: each equals the library call it replaces.

A changed label order could change a reading, so those comparisons are exact; the fitted line
is closed-form least squares, equal to polyfit to rounding (the tuning readings did not move).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from digitdesk.components import ink_counts
from digitdesk.numbers.reading import _neighbourhood_max
from digitdesk.numbers.ruled_lines import labelled_by_rows, line_fit


@pytest.mark.parametrize("seed", range(6))
def test_labelled_by_rows_equals_label_and_find_objects(seed):
    rng = np.random.default_rng(seed)
    mask = np.zeros((70, 120), dtype=bool)
    for _ in range(int(rng.integers(0, 8))):        # lines, blocks and dots, some touching
        y, x = int(rng.integers(0, 70)), int(rng.integers(0, 120))
        mask[y : y + int(rng.integers(1, 20)), x : x + int(rng.integers(1, 60))] = True
    mask &= rng.random(mask.shape) > 0.1             # ragged, with holes
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    got, boxes = labelled_by_rows(mask)
    assert np.array_equal(got, labels)
    assert boxes == ndimage.find_objects(labels)
    assert labelled_by_rows(mask, labels=False) == (None, boxes)


def test_labelled_by_rows_on_bands_apart_and_empty():
    """Runs of rows stacked for one labelling: pieces in each band, numbered in scan order."""
    mask = np.zeros((40, 50), dtype=bool)
    mask[2:4, 30:45] = mask[3:9, 5] = mask[12, 1:49:3] = mask[20:30, 10:12] = mask[35:40, 40] = True
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    got, boxes = labelled_by_rows(mask)
    assert np.array_equal(got, labels) and boxes == ndimage.find_objects(labels)
    assert labelled_by_rows(mask, labels=False) == (None, boxes)
    box = np.zeros((60, 90), dtype=bool)            # a ruled box, a digit crossing its side
    box[5:8, 4:86] = box[50:53, 4:86] = box[5:53, 4:6] = box[5:53, 84:86] = True
    box[20:40, 80:83] = box[30:33, 70:89] = box[56:58, 10:12] = True
    assert labelled_by_rows(box, labels=False)[1] == ndimage.find_objects(ndimage.label(box, np.ones((3, 3)))[0])
    none, empty = labelled_by_rows(np.zeros((5, 5), dtype=bool))
    assert empty == [] and not none.any()


@pytest.mark.parametrize("seed", range(5))
def test_line_fit_is_polyfit_to_rounding(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    x = np.sort(rng.choice(500, size=n, replace=False))            # columns, as integers
    y = 0.02 * x + rng.normal(3.0, 0.7, n)                         # a slightly tilted line
    # Closed form instead of LAPACK: the last bits may differ, no more.
    assert np.allclose(line_fit(x, y), np.polyfit(x.astype(np.float64), y, 1), rtol=1e-9, atol=1e-9)


def test_neighbourhood_max_equals_grey_dilation():
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (1, 6), (2, 2), (7, 1), (31, 45)]:
        labels = rng.integers(0, 9, shape).astype(np.int32)
        assert np.array_equal(_neighbourhood_max(labels), ndimage.grey_dilation(labels, size=(3, 3)))


def test_partition_median_equals_np_median_on_what_number_reading_feeds_it():
    from digitdesk.preprocess import _median

    rng = np.random.default_rng(1)
    for n in range(1, 30):
        ints = rng.integers(0, 300, n)                 # mark rows and heights, stroke counts
        floats = rng.normal(0.1, 0.3, n)               # slants of pieces
        assert _median(ints) == float(np.median(ints))
        assert _median(floats) == float(np.median(floats))


@pytest.mark.parametrize("shape", [(70, 120), (3, 40000), (40000, 2)])
def test_ink_counts_equal_count_nonzero(shape):
    mask = np.random.default_rng(1).random(shape) > 0.3
    for axis in (0, 1):
        assert np.array_equal(ink_counts(mask, axis), np.count_nonzero(mask, axis=axis))
        assert np.array_equal(ink_counts(mask[:, ::2], axis), np.count_nonzero(mask[:, ::2], axis=axis))


@pytest.mark.parametrize("seed", range(40))
def test_scoring_fewer_candidates_keeps_the_best_path(seed):
    """Candidates left unscored because no path through them can be best change nothing."""
    import math

    from digitdesk.numbers.marks import Mark
    from digitdesk.numbers.segmentation import Piece, best_path, candidates, scored_candidates

    rng = np.random.default_rng(seed)
    height, x, pieces = 40.0, 0, []
    for label in range(1, int(rng.integers(1, 9)) + 1):
        w, h = int(rng.integers(6, 60)), int(rng.integers(8, 44))
        y0 = int(rng.integers(0, 10))
        mark = Mark(label, x, y0, x + w, y0 + h, w * h)
        cuts = sorted({int(c) for c in rng.integers(1, w, int(rng.integers(0, 3)))})
        for a, b in zip([0] + cuts, cuts + [w]):
            pieces.append(Piece(mark, x + a, x + b, y0, y0 + h))
        x += w + int(rng.integers(-8, 12))
    pieces.sort(key=lambda p: p.cx)
    n = len(pieces)

    def fresh():
        cands = candidates(pieces, height)
        draws = np.random.default_rng(seed + 1000)
        for c in cands:  # the same "model" reading for both, some candidates without ink
            c.truth = draws.dirichlet(np.full(10, 0.2)).astype(np.float32), draws.random() < 0.05
        return cands

    def score(some):
        for c in some:
            if c.truth[1]:
                c.prior = -math.inf
            else:
                c.image, c.probs = np.zeros((28, 28), np.float32), c.truth[0]

    whole = fresh()
    score(whole)
    want = best_path(n, [c for c in whole if c.image is not None], pieces, height)
    cands = fresh()
    used = scored_candidates(n, cands, pieces, height, score)
    got = best_path(n, used, pieces, height)
    assert [(c.first, c.last) for c in got] == [(c.first, c.last) for c in want]
    assert [c.confidence for c in got] == [c.confidence for c in want]
    assert len(used) <= len(cands)
