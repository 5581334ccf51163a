"""Ruled lines out of the ink: amount boxes and underlines, without cutting the digits they cross.

A line is a horizontal run of ink much longer than anything a digit draws (longer than the
region is tall); a box side is a vertical run that meets such a line at its end. Tilted lines are
caught by looking for runs in the ink thickened by two pixels up and down. Where a digit's stroke
crosses a removed line (ink right above and right below it), the stroke is put back.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from ..components import ink_counts
from ..labelling import boxes, label8
from ..preprocess import _median

# Runs of ink at least this many times the region's height (and LINE_MIN_PX) are ruled lines.
LINE_TO_HEIGHT = 1.2
LINE_MIN_PX = 30
# Vertical runs at least this share of the region's height that meet a ruled line are box sides.
SIDE_TO_HEIGHT = 0.45


def long_runs(mask: np.ndarray, length: int, axis: int = 1) -> np.ndarray:
    """Pixels of ``mask`` lying in a run of True at least ``length`` long along ``axis``
    (1: rows, horizontal runs; 0: columns, vertical runs).

    A morphological opening by a ``length`` bar, done with running sums: a window of
    ``length`` full of ink starts a run, and every pixel such a window covers is in one. Only
    the lines holding ``length`` ink pixels in all can hold such a run, and in a field those
    are few (the box's and underline's rows): the sums run over them alone.
    """
    length = max(1, int(length))
    out = np.zeros_like(mask)
    if length > mask.shape[axis]:
        return out
    lines = np.flatnonzero(ink_counts(mask, axis) >= length)
    if lines.size == 0:
        return out
    if axis == 1:
        out[lines] = _runs_along_rows(mask[lines], length)
    else:
        out[:, lines] = _runs_along_rows(mask[:, lines].T, length).T
    return out


def _runs_along_rows(m: np.ndarray, length: int) -> np.ndarray:
    """:func:`long_runs` along the rows of ``m`` (a C-ordered copy is made once)."""
    m = np.ascontiguousarray(m.T)                    # running sums go down the first axis
    n = m.shape[0]
    kind = np.int16 if n < 32000 else np.int32      # half the memory traffic of int32
    c = np.zeros((n + 1,) + m.shape[1:], dtype=kind)
    np.cumsum(m, axis=0, out=c[1:])
    full = (c[length:] - c[:-length]) == length          # windows [i, i + length)
    if not full.any():
        return np.zeros(m.shape[::-1], dtype=bool)
    k = full.shape[0]
    d = np.zeros((n + 1,) + m.shape[1:], dtype=kind)
    np.cumsum(full, axis=0, out=d[1 : k + 1])
    d[k + 1 :] = d[k : k + 1]
    out = np.empty(m.shape, dtype=bool)
    out[: length - 1] = d[1:length] > 0
    out[length - 1 :] = (d[length:] - d[: n - length + 1]) > 0
    return out.T


def spread(mask: np.ndarray, reach: int, axis: int) -> np.ndarray:
    """``mask`` thickened by ``reach`` pixels both ways along ``axis``."""
    out = mask.copy()
    n = mask.shape[axis]
    for d in range(1, reach + 1):
        if d >= n:
            break
        if axis == 0:
            out[d:] |= mask[:-d]
            out[:-d] |= mask[d:]
        else:
            out[:, d:] |= mask[:, :-d]
            out[:, :-d] |= mask[:, d:]
    return out


def _reaches_ink(line: np.ndarray, rest: np.ndarray, downward: bool) -> np.ndarray:
    """Line pixels from which going straight up (or down) through the line lands on other ink.

    Strictly within one column, so a slanted stroke crossing the line gets back only the sliver
    where its parts above and below line up, not a bar along the line.
    """
    h = line.shape[0]
    out = np.zeros_like(line)
    rows = np.flatnonzero(line.any(axis=1))
    order = rows[::-1] if downward else rows
    step = 1 if downward else -1
    for y in order:
        n = y + step
        if 0 <= n < h:
            out[y] = line[y] & (rest[n] | out[n])
    return out


def line_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.polyfit(x, y, 1)`` (slope, intercept) by the closed-form least squares of centred
    sums: the same line to rounding, at a quarter of the cost of a LAPACK solve (readings of
    the tuning cheques unchanged, to the last digit of confidence). ``x`` holds two values or more."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mx, my = x.mean(), y.mean()
    dx = x - mx
    a = float(dx @ (y - my)) / float(dx @ dx)
    return np.array([a, my - a * mx])


def runs_of(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in a 1-D array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.view(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _thin_to_lines(band: np.ndarray, length: int) -> np.ndarray:
    """Only the ruled lines themselves out of the band found around them.

    The band also holds digit strokes lying on or touching the line (a 3's bottom on an
    underline). Each line is straight: its centre row is fitted along it and its thickness is
    what most columns show; only pixels within that thickness of the fitted centre are line.
    The labelling covers the lines' rows and columns, not the whole field (:func:`labelled_by_rows`).
    """
    out = np.zeros_like(band)
    labels, boxes = labelled_by_rows(band)
    for i, sl in enumerate(boxes, start=1):
        if sl[1].stop - sl[1].start < length:
            continue
        ys, xs = np.nonzero(labels[sl] == i)
        counts = np.bincount(xs)
        thick = _median(counts[counts > 0])
        # Centre per column from the columns as thick as the line (no digit touching there).
        sums = np.bincount(xs, weights=ys)
        clean = np.flatnonzero((counts > 0) & (counts <= thick + 0.5))
        if clean.size < 2:
            out[sl] |= labels[sl] == i
            continue
        a, b = line_fit(clean, sums[clean] / counts[clean])
        near = np.abs(ys - (a * xs + b)) <= thick / 2 + 1.0
        out[sl[0].start + ys[near], sl[1].start + xs[near]] = True
    return out


def labelled_by_rows(mask: np.ndarray, labels: bool = True) -> tuple[np.ndarray | None, list[tuple[slice, slice]]]:
    """``ndimage.label`` (8-connected) of ``mask`` and ``find_objects`` of it, the same numbers
    in the same order, for the cost of the ink's own rows and columns.

    Pieces cannot cross an empty row, so the runs of non-empty rows are stacked with one empty
    row between them, cut to the columns holding ink, and labelled by one call: scan order, and
    so the labels, stay those of the whole. Sparse masks (ruled lines) cost a fraction of it.
    ``labels=False`` gives the boxes alone, from a smaller picture (:func:`_boxes_collapsed`).
    """
    out = np.zeros(mask.shape, dtype=np.int32) if labels else None
    runs = runs_of(mask.any(axis=1))
    if not runs:
        return out, []
    cols = np.flatnonzero(mask[runs[0][0] : runs[-1][1]].any(axis=0))
    c0, c1 = int(cols[0]), int(cols[-1]) + 1
    if len(runs) == 1:
        (r0, r1), = runs
        stacked = mask[r0:r1, c0:c1]
        at = [0]
    else:
        at = [0]                        # where each run starts in the stack
        for r0, r1 in runs[:-1]:
            at.append(at[-1] + r1 - r0 + 1)
        stacked = np.zeros((at[-1] + runs[-1][1] - runs[-1][0], c1 - c0), dtype=bool)
        for (r0, r1), a in zip(runs, at):
            stacked[a : a + r1 - r0] = mask[r0:r1, c0:c1]
    if out is None:
        return None, _boxes_collapsed(stacked, runs, at, c0)
    sub, n = label8(stacked)
    for (r0, r1), a in zip(runs, at):
        out[r0:r1, c0:c1] = sub[a : a + r1 - r0]
    return out, [_unstacked(ys, xs, runs, at, c0) for ys, xs in boxes(sub, n)]


def _unstacked(ys: slice, xs: slice, runs: list[tuple[int, int]], at: list[int], c0: int) -> tuple[slice, slice]:
    """A box in :func:`labelled_by_rows`' stack (``ys`` stack rows, ``xs`` columns from ``c0``)
    in the mask's own pixels: its run of rows starts at mask row ``runs[k][0]``, stack row ``at[k]``."""
    k = bisect_right(at, ys.start) - 1
    dy = runs[k][0] - at[k]
    return slice(ys.start + dy, ys.stop + dy), slice(xs.start + c0, xs.stop + c0)


def _boxes_collapsed(stacked: np.ndarray, runs: list[tuple[int, int]], at: list[int], c0: int) -> list[tuple[slice, slice]]:
    """The boxes of :func:`labelled_by_rows` from the stack with each run of equal rows, and of
    equal columns, kept once: that joins and parts pieces as the whole does, in the same order,
    and a ruled box (sides: equal rows; rules: equal columns) shrinks to a few pixels."""
    n_rows, n_cols = stacked.shape
    rows = np.flatnonzero(np.concatenate(([True], (stacked[1:] != stacked[:-1]).any(axis=1))))
    cols = np.flatnonzero(np.concatenate(([True], (stacked[:, 1:] != stacked[:, :-1]).any(axis=0))))
    sub, n = label8(stacked[rows][:, cols])
    row_stop, col_stop = rows[1:].tolist() + [n_rows], cols[1:].tolist() + [n_cols]
    rows, cols = rows.tolist(), cols.tolist()
    return [
        _unstacked(slice(rows[ys.start], row_stop[ys.stop - 1]), slice(cols[xs.start], col_stop[xs.stop - 1]), runs, at, c0)
        for ys, xs in boxes(sub, n)
    ]


def _box_sides(columns: np.ndarray, horizontal: np.ndarray) -> np.ndarray:
    """The pieces of ``columns`` that are box sides: they reach a ruled line (``horizontal``)
    at both ends, or at one end near where that line itself ends (a box's corner).

    The lines are labelled only when a piece reaches a line at one end alone: box sides reach
    two, and most digit strokes none.
    """
    lines = None        # the lines thickened by two rows each way, labelled when needed
    # Column pieces labelled by runs of columns, as rows are for lines.
    labels, boxes = labelled_by_rows(columns.T)
    labels = labels.T
    out = np.zeros_like(columns)
    reach = 5
    for i, (sx, sy) in enumerate(boxes, start=1):
        top, bottom = sy.start, sy.stop - 1
        left, right = sx.start, sx.stop - 1
        ends = (slice(max(0, top - reach), top + reach + 1), slice(max(0, bottom - reach), bottom + reach + 1))
        # Thickened lines within those rows: the lines themselves within two rows more.
        at_top, at_bottom = (
            bool(horizontal[max(0, rows.start - 2) : rows.stop + 2, left : right + 1].any()) for rows in ends
        )
        side = at_top and at_bottom
        if not side and (at_top or at_bottom):
            if lines is None:
                lines, line_boxes = labelled_by_rows(spread(horizontal, 2, axis=0))
            ids = {j for rows in ends for j in lines[rows, left : right + 1].ravel().tolist() if j}
            side = any(
                min(abs(left - line_boxes[j - 1][1].start), abs(right - (line_boxes[j - 1][1].stop - 1))) <= reach
                for j in ids
            )
        if side:
            c0, c1 = max(0, left - 1), right + 2
            out[:, c0:c1] |= spread(labels[:, c0:c1] == i, 1, axis=1)
    return out


def remove_ruled_lines(
    mask: np.ndarray, length: int | None = None, side: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``mask`` without ruled lines, and the mask of what was removed.

    ``length`` and ``side`` (pixels) override the shortest horizontal line and box side, which
    by default follow the region's height (a caller that knows the field's size passes them).
    """
    h, w = mask.shape
    if length is None:
        length = max(int(LINE_TO_HEIGHT * h), LINE_MIN_PX)
    if w < length or not mask.any():
        return mask, np.zeros_like(mask)
    horizontal = long_runs(spread(mask, 2, axis=0), length) & mask
    if not horizontal.any():
        return mask, horizontal
    horizontal = _thin_to_lines(horizontal, length)
    rest = mask & ~horizontal
    # Box sides: tall vertical runs that join a ruled line at one of its ends (a box's corner),
    # or that run from one ruled line to another. A "1" standing on an underline does neither.
    sides = np.zeros_like(mask)
    tall = side if side is not None else max(int(SIDE_TO_HEIGHT * h), 8)
    # Bridged across one-row gaps: turning a page by whole-pixel shears opens them in a side
    # one pixel thick (a bitonal scan's thin box), where it stepped from column to column.
    columns = long_runs(spread(spread(rest, 2, axis=1), 1, axis=0), tall, axis=0) & rest
    if columns.any():
        sides = _box_sides(columns, horizontal) & rest
    removed = horizontal | sides
    rest = mask & ~removed
    # A stroke crossing a line: ink within reach above and below -> restore the line's pixels.
    crossing = _reaches_ink(horizontal, rest, False) & _reaches_ink(horizontal, rest, True)
    if sides.any():
        crossing |= (_reaches_ink(sides.T, rest.T, False) & _reaches_ink(sides.T, rest.T, True)).T
    removed &= ~crossing
    return mask & ~removed, removed
