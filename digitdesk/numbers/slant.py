"""Upright handwriting: estimate the writer's slant and shear it away.

Touching digits are cut between them with vertical cuts, which only separate slanted digits once
the slant is gone; upright digits also sit better in the model's training distribution. The
slant is the shear that packs the ink into the fewest, fullest columns (vertical strokes become
vertical), found over a small set of shears on the ink pixels' coordinates alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..labelling import boxes as find_boxes, label8
from ..preprocess import _median

SHEARS = (-0.3, 0.6)      # range of slants corrected
MIN_SLANT = 0.12          # below this, the ink is left as it is
# Moments overrate the slant of digits with diagonals (4, 7); take this share of it.
DAMPING = 0.7


@dataclass(frozen=True)
class Shear:
    """x' = x + s * (y - yc) + pad maps the picture to its upright copy (same rows)."""

    s: float
    yc: float
    pad: int

    def to_picture(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float]:
        """x-range in the picture of the upright box (x0, y0)-(x1, y1)."""
        xs = [x - self.s * (y - self.yc) - self.pad for x in (x0, x1) for y in (y0, y1)]
        return min(xs), max(xs)


def estimate_slant(mask: np.ndarray, pieces=None) -> float:
    """The writer's slant (x shift per row going up; positive leans right), 0 when slight.

    Each tall piece of ink gives its moment slant, -cov(x, y) / var(y) (the deskewing LeCun
    used for MNIST); the writer's is their median, so one long diagonal (a 7's stem) does not
    decide it. ``pieces``: ``mask``'s 8-connected labels and their boxes, when already known.
    """
    mask = np.asarray(mask, dtype=bool)
    if pieces is None:
        labels, n = label8(mask)
        boxes = find_boxes(labels, n)
    else:
        labels, boxes = pieces
        n = len(boxes)
    if n == 0:
        return 0.0
    # The ink's coordinates in scan order, as np.nonzero(labels) gives them (several times cheaper).
    flat = np.flatnonzero(mask)
    ys, xs = np.divmod(flat, mask.shape[1])
    lab = labels.ravel()[flat]
    count = np.bincount(lab, minlength=n + 1).astype(np.float64)
    ok = count >= 20
    if not ok[1:].any():
        return 0.0
    c = np.maximum(count, 1)
    my = np.bincount(lab, weights=ys, minlength=n + 1) / c
    mx = np.bincount(lab, weights=xs, minlength=n + 1) / c
    vyy = np.bincount(lab, weights=ys * ys.astype(np.float64), minlength=n + 1) / c - my**2
    vxy = np.bincount(lab, weights=xs * ys.astype(np.float64), minlength=n + 1) / c - mx * my
    heights = np.array([0] + [sl[0].stop - sl[0].start for sl in boxes])
    widths = np.array([0] + [sl[1].stop - sl[1].start for sl in boxes])
    # Single digits only: a run of touching digits has a "slant" that is its layout.
    tall = ok & (heights >= 0.5 * heights.max()) & (widths <= heights) & (vyy > 0)
    if not tall.any():
        return 0.0
    slant = DAMPING * _median(-vxy[tall] / vyy[tall])
    slant = float(np.clip(slant, SHEARS[0], SHEARS[-1]))
    return slant if abs(slant) >= MIN_SLANT else 0.0


def deslant(ink: np.ndarray, s: float) -> tuple[np.ndarray, Shear]:
    """``ink`` sheared upright by slant ``s``, and the mapping back to the picture."""
    h, w = ink.shape
    yc = (h - 1) / 2.0
    if s == 0.0:
        return ink, Shear(0.0, yc, 0)
    pad = int(np.ceil(abs(s) * max(yc, h - 1 - yc))) + 1
    out = Image.fromarray(ink, mode="F").transform(
        (w + 2 * pad, h), Image.AFFINE, (1.0, -s, s * yc - pad, 0.0, 1.0, 0.0), resample=Image.BILINEAR
    )
    return np.asarray(out, dtype=np.float32), Shear(s, yc, pad)
