"""8-connected ink components and 3x3 morphology in plain numpy, for single-digit pictures.

Reading digits needs only a little of image morphology: are the ink pixels of a picture one
piece, where are the pieces and how big, and a 3x3 dilation or erosion. ``scipy.ndimage``
has all of it, but importing it costs a quarter of a second in every process that reads, which
on a batch of small files is as much as reading thousands of them. So the digit path uses
these instead, and gets the very same pieces (tested against ``scipy.ndimage``).

Pieces are found on runs (horizontal stretches of ink), not pixels: runs on neighbouring rows
that touch, diagonally included, are joined, and the joins are resolved by hooking and pointer
jumping, a few vectorised passes however long the strokes are.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Runs(NamedTuple):
    """Runs of a stack of masks [n, h, w]: row ``row`` (counted over the whole stack: picture
    ``row // h``) holds ink in columns ``start:end``; ``piece`` numbers each run's component
    (0.. ``count - 1``, in order of each component's first run)."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    piece: np.ndarray
    count: int


def runs(masks: np.ndarray) -> Runs:
    """The runs of ``masks`` (a stack [n, h, w] or one picture [h, w]) and their components."""
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim == 2:
        masks = masks[None]
    n, h, w = masks.shape
    padded = np.zeros((n * h, w + 2), dtype=bool)
    padded[:, 1:-1] = masks.reshape(n * h, w)
    # Every row starts and ends outside the ink, so its changes alternate: start, end, start...
    changes = np.flatnonzero(padded[:, 1:] != padded[:, :-1])
    row, start = np.divmod(changes[0::2], w + 1)
    end = changes[1::2] % (w + 1)
    # Runs touching one on the next row of the same picture, diagonals included: for run a, the
    # runs b of row + 1 with b.end >= a.start and b.start <= a.end (ends are exclusive), which
    # are consecutive in the run order. Keys place every run on one line, row by row.
    stride = w + 2
    key_end, key_start = row * stride + end, row * stride + start
    below = (row + 1) * stride
    first = np.searchsorted(key_end, below + start, side="left")
    last = np.searchsorted(key_start, below + end, side="right")
    touching = np.where(row % h != h - 1, last - first, 0)
    a = np.repeat(np.arange(len(row)), touching)
    b = np.repeat(first - np.cumsum(touching) + touching, touching) + np.arange(len(a))
    piece, count = _join(a, b, len(row))
    return Runs(row, start, end, piece, count)


def _join(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Components of the graph on ``n`` nodes with edges (a, b): numbers 0.. in node order."""
    root = np.arange(n)
    while len(a):
        ra, rb = root[a], root[b]
        differ = ra != rb
        if not differ.any():
            break
        ra, rb = ra[differ], rb[differ]
        low = np.minimum(ra, rb)
        np.minimum.at(root, np.maximum(ra, rb), low)  # hook the higher root under the lower
        while True:  # pointer jumping until every node points at its root
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
    is_root = root == np.arange(n)
    number = np.cumsum(is_root) - 1
    return number[root], int(is_root.sum())


def component_counts(masks: np.ndarray, r: Runs | None = None) -> np.ndarray:
    """How many 8-connected pieces of ink each mask of a stack [n, h, w] holds (``r``: its
    runs, when already found)."""
    r = runs(masks) if r is None else r
    n, h = masks.shape[0], masks.shape[1]
    picture = np.zeros(r.count, dtype=np.int64)
    picture[r.piece] = r.row // h  # every run of a piece is in the same picture
    return np.bincount(picture, minlength=n)


class Pieces(NamedTuple):
    """The 8-connected pieces of ink of a stack of masks, one entry per piece: the picture it is
    in, its pixel count and its bounding box (rows y0:y1, columns x0:x1)."""

    runs: Runs
    picture: np.ndarray
    area: np.ndarray
    y0: np.ndarray
    y1: np.ndarray
    x0: np.ndarray
    x1: np.ndarray


def pieces(masks: np.ndarray, r: Runs | None = None) -> Pieces:
    """The pieces of each mask of a stack [n, h, w] (``r``: its runs, when already found)."""
    r = runs(masks) if r is None else r
    h = masks.shape[1]
    picture, y = np.divmod(r.row, h)
    where = np.zeros(r.count, dtype=np.int64)
    where[r.piece] = picture  # every run of a piece is in the same picture
    area = np.bincount(r.piece, weights=r.end - r.start, minlength=r.count).astype(np.int64)
    y0 = np.full(r.count, h, dtype=np.int64)
    np.minimum.at(y0, r.piece, y)
    y1 = np.zeros(r.count, dtype=np.int64)
    np.maximum.at(y1, r.piece, y + 1)
    x0 = np.full(r.count, masks.shape[2], dtype=np.int64)
    np.minimum.at(x0, r.piece, r.start)
    x1 = np.zeros(r.count, dtype=np.int64)
    np.maximum.at(x1, r.piece, r.end)
    return Pieces(r, where, area, y0, y1, x0, x1)


def paint(r: Runs, keep: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """A stack of masks [n, h, w] holding the runs of the pieces marked in ``keep``."""
    n, h, w = shape
    marks = np.zeros((n * h, w + 1), dtype=np.int8)
    kept = keep[r.piece]
    marks[r.row[kept], r.start[kept]] = 1  # runs of a row never share a start or an end
    marks[r.row[kept], r.end[kept]] = -1
    return (np.cumsum(marks, axis=1)[:, :w] > 0).reshape(n, h, w)


def _along(a: np.ndarray, axis: int, size: int, before: int, op, fill) -> np.ndarray:
    """``op`` (np.maximum, np.logical_or...) over a window of ``size`` along ``axis`` (an axis
    of the last two), starting ``before`` cells back; outside the picture counts as ``fill``."""
    n = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = n + size - 1
    padded = np.full(shape, fill, dtype=a.dtype)  # np.pad costs more than the work here
    window = [slice(None)] * a.ndim
    window[axis] = slice(before, before + n)
    padded[tuple(window)] = a
    window[axis] = slice(0, n)
    out = padded[tuple(window)].copy()
    for k in range(1, size):
        window[axis] = slice(k, k + n)
        op(out, padded[tuple(window)], out=out)
    return out


def ink_counts(mask: np.ndarray, axis: int) -> np.ndarray:
    """``np.count_nonzero(mask, axis=axis)`` as a sum of bytes into int16 (int32 for lines of
    32768 pixels or more): a third of count_nonzero's cost, which goes through int64."""
    kind = np.int16 if mask.shape[axis] < 32768 else np.int32
    return mask.view(np.uint8).sum(axis=axis, dtype=kind)


def grow_cross(mask: np.ndarray, times: int = 1) -> np.ndarray:
    """``scipy.ndimage.binary_dilation(mask, iterations=times)`` of a 2-D mask: grown by one
    pixel up, down, left and right, ``times`` times, by slicing."""
    out = mask
    for _ in range(times):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out.copy() if out is mask else out


def dilate(mask: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.binary_dilation(mask, structure=np.ones((3, 3)))``, of a picture or
    of each picture of a stack (3x3 is a row of 3 then a column of 3)."""
    mask = np.asarray(mask, dtype=bool)
    return _along(_along(mask, -1, 3, 1, np.logical_or, False), -2, 3, 1, np.logical_or, False)


def erode(mask: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.binary_erosion(mask, structure=np.ones((3, 3)), border_value=0)``."""
    mask = np.asarray(mask, dtype=bool)
    return _along(_along(mask, -1, 3, 1, np.logical_and, False), -2, 3, 1, np.logical_and, False)


def max_filter(image: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.grey_dilation(image, size=(size, size))`` for images >= 0 whose outer
    ``size // 2`` rows and columns are 0 (then scipy's reflected border adds only zeros)."""
    before = (size - 1) // 2  # scipy's window for grey dilation
    image = np.asarray(image)
    return _along(_along(image, -1, size, before, np.maximum, 0), -2, size, before, np.maximum, 0)


def min_filter_2(levels: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.minimum_filter(levels, size=2, mode="nearest")``: each cell's minimum
    with its neighbours above, to the left and above-left (edges repeated)."""
    up = np.concatenate((levels[:1], levels[:-1]), axis=0)
    out = np.minimum(levels, up)
    left = np.concatenate((out[:, :1], out[:, :-1]), axis=1)
    return np.minimum(out, left)
