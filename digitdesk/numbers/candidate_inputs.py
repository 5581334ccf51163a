"""The model inputs of many cut hypotheses at once, bit for bit what one at a time would give.

Segmentation normalises a dozen or more candidate digits per amount, each a small picture:
:func:`digitdesk.preprocess.normalize_digit_with_box` on each spends most of its time on the
overhead of a few dozen numpy and scipy calls. Here every step runs once over a stack of the
candidates (zero-padded to one size, each at the top-left of its plane: padding adds no ink, no
component and no edge). Only the two resampling products stay per candidate, at the very shapes
the single path uses: BLAS may sum a padded product in another order, and a last-bit difference
can change a reading.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..components import ink_counts
from ..contract import BOX, SIDE
from ..preprocess import CENTRE, MIN_STROKE, TARGET_STROKE, NoInkError, _drop_specks, _resample_matrix

INK = 0.3                       # the ink level normalize_digit_with_box uses
_POSITIONS = np.arange(BOX, dtype=np.float64)


def normalize_many(inks: list[np.ndarray]) -> list:
    """``normalize_digit_with_box(ink)`` for each ink map: ``(image, (x, y, w, h))`` or the
    :class:`NoInkError` it would raise."""
    n = len(inks)
    if n == 0:
        return []
    height = max(a.shape[0] for a in inks)
    width = max(a.shape[1] for a in inks)
    stack = np.zeros((n, height, width), dtype=np.float32)
    for i, a in enumerate(inks):
        stack[i, : a.shape[0], : a.shape[1]] = a
    out: list = [None] * n
    stack, inked = _drop_specks(stack)      # preprocess's own, for a stack: padding is no ink
    inked = inked.tolist()
    mask = stack > INK
    rows, cols = mask.any(axis=2), mask.any(axis=1)
    r0 = rows.argmax(axis=1).tolist()
    r1 = (height - rows[:, ::-1].argmax(axis=1)).tolist()
    c0 = cols.argmax(axis=1).tolist()
    c1 = (width - cols[:, ::-1].argmax(axis=1)).tolist()
    # Stroke width (ink area over half its edge) for crops that shrink enough to need it.
    area = ink_counts(mask.reshape(n, -1), 1).tolist()
    inner = ink_counts(_eroded(mask).reshape(n, -1), 1).tolist()
    crops: list = [None] * n
    thicken: dict[int, list[int]] = {}
    for i in range(n):
        if not inked[i]:
            out[i] = NoInkError()
            continue
        h, w = r1[i] - r0[i], c1[i] - c0[i]
        crop = stack[i, r0[i] : r1[i], c0[i] : c1[i]]
        if h * w < 3 and crop.sum() < 3:
            out[i] = NoInkError("no digit found: only a speck of ink")
            continue
        out[i] = (c0[i], r0[i], w, h)
        crops[i] = crop
        # Thin strokes are thickened before scaling, as normalize_digit_with_box does.
        scale = BOX / max(h, w)
        stroke = 2.0 * area[i] / max(area[i] - inner[i], 1) if scale < MIN_STROKE / 2 else 2.0
        if stroke * scale < MIN_STROKE:
            grow = int(round(TARGET_STROKE / scale - stroke))
            if grow >= 1:
                thicken.setdefault(grow, []).append(i)
    for grow, idx in thicken.items():
        for i, crop in zip(idx, _thickened([crops[i] for i in idx], grow)):
            crops[i] = crop
    where = [i for i in range(n) if crops[i] is not None]
    for i, image in zip(where, _fit_many([crops[i] for i in where])):
        out[i] = (image, out[i])
    return out


def _eroded(mask: np.ndarray) -> np.ndarray:
    """Binary erosion of each plane by a 3x3 square, outside the plane counting as empty
    (``ndimage.binary_erosion(plane, np.ones((3, 3)), border_value=0)``, by slicing)."""
    p = np.zeros((mask.shape[0], mask.shape[1] + 2, mask.shape[2] + 2), dtype=bool)
    p[:, 1:-1, 1:-1] = mask
    v = p[:, :-2] & p[:, 1:-1] & p[:, 2:]
    return v[:, :, :-2] & v[:, :, 1:-1] & v[:, :, 2:]


def _thickened(crops: list[np.ndarray], grow: int) -> list[np.ndarray]:
    """``ndimage.grey_dilation(np.pad(crop, pad), size=(grow + 1, grow + 1))`` for each crop, with
    ``pad = (grow + 1) // 2``: a maximum is exact, so shifted slices give the same values.

    For an even window scipy's dilation reaches one pixel further up and left than down and
    right: output i is the maximum of input i - (size - 1) // 2 ... i + size // 2.
    """
    size = grow + 1
    pad, back = size // 2, (size - 1) // 2
    shapes = [(c.shape[0] + 2 * pad, c.shape[1] + 2 * pad) for c in crops]
    h, w = max(s[0] for s in shapes), max(s[1] for s in shapes)
    canvas = np.zeros((len(crops), h + size - 1, w + size - 1), dtype=np.float32)
    for k, c in enumerate(crops):
        canvas[k, back + pad : back + pad + c.shape[0], back + pad : back + pad + c.shape[1]] = c
    down = canvas[:, :h].copy()
    for t in range(1, size):
        np.maximum(down, canvas[:, t : t + h], out=down)
    out = down[:, :, :w].copy()
    for t in range(1, size):
        np.maximum(out, down[:, :, t : t + w], out=out)
    return [out[k, : s[0], : s[1]] for k, s in enumerate(shapes)]


@lru_cache(maxsize=1024)
def _rows(h: int, nh: int) -> np.ndarray:
    m = np.zeros((1, BOX, h), dtype=np.float32)
    m[0, :nh] = _resample_matrix(h, nh)
    return m


@lru_cache(maxsize=1024)
def _cols(w: int, nw: int) -> np.ndarray:
    m = np.zeros((1, w, BOX), dtype=np.float32)
    m[0, :, :nw] = _resample_matrix(w, nw).T
    return m


def _fit_many(crops: list[np.ndarray]) -> np.ndarray:
    """``preprocess._fit_and_centre(crop[None], [[0, h, 0, w]])[0][0]`` for each crop."""
    if not crops:
        return np.zeros((0, SIDE, SIDE), dtype=np.float32)
    sizes = []
    fitted = np.empty((len(crops), BOX, BOX), dtype=np.float32)
    for i, crop in enumerate(crops):
        h, w = crop.shape
        scale = BOX / max(h, w)
        nh, nw = max(round(h * scale), 1), max(round(w * scale), 1)
        fitted[i] = (_rows(h, nh) @ (crop[None] @ _cols(w, nw)))[0]
        sizes.append((nh, nw))
    top_ink = fitted.max(axis=(1, 2))
    has_ink = top_ink > 0
    fitted /= np.where(has_ink, top_ink, 1)[:, None, None]
    np.minimum(fitted, 1.0, out=fitted)
    row_mass = fitted.sum(axis=2, dtype=np.float64)
    col_mass = fitted.sum(axis=1, dtype=np.float64)
    mass = row_mass.sum(axis=1).tolist()
    ys = (row_mass * _POSITIONS).sum(axis=1).tolist()
    xs = (col_mass * _POSITIONS).sum(axis=1).tolist()
    out = np.zeros((len(crops), SIDE, SIDE), dtype=np.float32)
    for i, ((nh, nw), m, y, x) in enumerate(zip(sizes, mass, ys, xs)):
        if m > 0:
            top = min(max(round(CENTRE - y / m), 0), SIDE - nh)
            left = min(max(round(CENTRE - x / m), 0), SIDE - nw)
            out[i, top : top + BOX, left : left + BOX] = fitted[i, : SIDE - top, : SIDE - left]
    return out


__all__ = ["normalize_many"]
