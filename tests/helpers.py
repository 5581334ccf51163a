"""Shared test inputs, made by code: MNIST digits from ../shared/data, rendered in any format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
MNIST = DATA / "mnist.npz"
USPS = DATA / "usps_train.npz"
SHIPPED_MODEL = ROOT / "resources" / "model" / "digits.onnx"


def need_mnist():
    if not MNIST.is_file():
        pytest.skip(f"shared MNIST data not found at {MNIST}")
    with np.load(MNIST) as d:
        return d["x_test"], d["y_test"]


def need_model():
    """The model the app would use (the shipped one, or DIGITDESK_MODEL); skips when absent."""
    from digitdesk.model import default_model_path, shared_model

    if not default_model_path().is_file():
        pytest.skip(f"model not found at {default_model_path()} (train it: python -m training.train)")
    return shared_model()


def synthetic_digit(kind: str = "one", size: int = 28) -> np.ndarray:
    """A crude white-on-black digit drawn by code, for tests that need ink but no real data."""
    img = np.zeros((size, size), dtype=np.uint8)
    s = size / 28
    if kind == "one":
        img[int(4 * s) : int(24 * s), int(13 * s) : int(16 * s)] = 255
    elif kind == "zero":
        yy, xx = np.mgrid[:size, :size]
        r = np.hypot((yy - size / 2) / (10 * s), (xx - size / 2) / (7 * s))
        img[(r > 0.75) & (r < 1.0)] = 255
    return img
