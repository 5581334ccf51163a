"""Augmented epochs made by worker processes while the model trains on the previous one.

``to_model_input`` is plain Python (~0.15 ms a digit) and augmentation adds ~0.4 ms, so an
epoch of 55k digits costs ~30 s of one core. Workers build epoch e+1 while Keras trains on
epoch e. Every chunk has its own seed derived from (seed, epoch, chunk), so the data is the same
whatever the number of workers, and ``workers=0`` does the work in-process.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from .augment import augment_and_preprocess, preprocess

CHUNK = 2048
_IMAGES: np.ndarray | None = None  # the raw training digits, one copy per worker


def _init(images: np.ndarray) -> None:
    global _IMAGES
    _IMAGES = images


def _augment_chunk(indices: np.ndarray, entropy: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(entropy))
    return augment_and_preprocess(_IMAGES[indices], rng)


def _preprocess_chunk(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return preprocess(images)


class EpochFeed:
    """Shuffled, augmented, preprocessed epochs of ``(x, y)``, one ahead of the trainer."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, seed: int, workers: int = 1):
        self.images = images
        self.labels = labels
        self.seed = seed
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[int, tuple[np.ndarray, list[Future]]] = {}
        if workers > 0:
            # spawn, not fork: the parent runs TensorFlow's thread pools, which fork would copy.
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init, initargs=(images,),
            )

    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch, 7]).permutation(len(self.images))

    def _chunks(self, order: np.ndarray, epoch: int):
        for k, start in enumerate(range(0, len(order), CHUNK)):
            yield order[start : start + CHUNK], (self.seed, epoch, k)

    def prefetch(self, epoch: int) -> None:
        if self._pool is None or epoch in self._pending:
            return
        order = self._order(epoch)
        futures = [self._pool.submit(_augment_chunk, idx, ent) for idx, ent in self._chunks(order, epoch)]
        self._pending[epoch] = (order, futures)

    def epoch(self, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """Epoch ``epoch``'s inputs (N, 28, 28, 1) float32 and labels, in training order."""
        if self._pool is None:
            global _IMAGES
            _IMAGES = self.images
            order = self._order(epoch)
            parts = [_augment_chunk(idx, ent) for idx, ent in self._chunks(order, epoch)]
        else:
            self.prefetch(epoch)
            order, futures = self._pending.pop(epoch)
            parts = [f.result() for f in futures]
        return np.concatenate(parts)[..., None], self.labels[order]

    def preprocess(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Clean (unaugmented) preprocessing of any stack of pictures, using the workers."""
        chunks = [images[i : i + CHUNK] for i in range(0, len(images), CHUNK)]
        if self._pool is None:
            parts = [_preprocess_chunk(c) for c in chunks]
        else:
            parts = list(self._pool.map(_preprocess_chunk, chunks))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def close(self) -> None:
        if self._pool is not None:
            for _, futures in self._pending.values():
                for f in futures:
                    f.cancel()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
