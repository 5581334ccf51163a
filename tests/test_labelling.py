"""Labelling without importing scipy.ndimage gives scipy.ndimage's own answers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from scipy import ndimage

from digitdesk import labelling


def test_labels_and_boxes_are_scipy_s_on_random_masks_and_views():
    rng = np.random.default_rng(0)
    for trial in range(300):
        h, w = rng.integers(1, 60, size=2)
        mask = rng.random((h + 3, w + 5)) < rng.uniform(0.05, 0.7)
        view = mask[1 : h + 1, 2 : w + 2] if trial % 2 else mask   # strided views too
        want, n = ndimage.label(view, structure=np.ones((3, 3)))
        got, m = labelling.label8(view)
        assert m == n and got.dtype == np.int32 and np.array_equal(got, want)
        assert labelling.boxes(got) == ndimage.find_objects(want)
        assert labelling.boxes(got, n) == ndimage.find_objects(want, n)


def test_empty_and_blank_masks():
    for mask in (np.zeros((0, 4), bool), np.zeros((5, 5), bool)):
        labels, n = labelling.label8(mask)
        assert n == 0 and labels.shape == mask.shape
        assert labelling.boxes(labels) == []


def test_the_c_routines_load_without_scipy_ndimage():
    code = ("import sys; from digitdesk import labelling; "
            "assert labelling._C_LABEL is not None; print('scipy.ndimage' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
