"""Where the handwriting of synthetic scans comes from: MNIST digits, found next to the repository.

Scans for tests and benchmarks are composed from the MNIST **test** split only, so nothing a
model trained on MNIST's training split has seen appears in what we measure. A generator for
training data (a string recogniser) asks for ``split="train"`` explicitly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
MNIST_PATH = REPO.parent / "shared" / "data" / "mnist.npz"


class MnistMissing(FileNotFoundError):
    """The shared MNIST file is not there; tests that need it skip with this message."""


def mnist_available() -> bool:
    return MNIST_PATH.is_file()


@lru_cache(maxsize=2)
def digit_bank(split: str = "test") -> "DigitBank":
    if split not in ("test", "train"):
        raise ValueError("split must be 'test' or 'train'")
    if not mnist_available():
        raise MnistMissing(f"MNIST not found at {MNIST_PATH} (shared data is absent)")
    with np.load(MNIST_PATH) as data:
        return DigitBank(data[f"x_{split}"], data[f"y_{split}"])


class DigitBank:
    """MNIST images grouped by class, for drawing a random sample of a given digit."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images = images
        self.by_class = [np.flatnonzero(labels == k) for k in range(10)]

    def sample(self, digit: int, rng: np.random.Generator) -> np.ndarray:
        """One 28x28 uint8 image (white on black) of ``digit``, chosen by ``rng``."""
        members = self.by_class[digit]
        return self.images[members[rng.integers(len(members))]]
