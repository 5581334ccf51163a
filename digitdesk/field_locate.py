"""Find a template field's ink on a scanned page that the scanner shifted and rotated.

A template gives the field where it sits on a perfectly placed page; a real scan moves it by a
few per cent and turns it by a degree or two. So the field is looked for in a window around its
nominal place (big enough for a 2.5 % offset plus the drift a 2.5 degree turn causes at that
distance from the page centre):

1. the ruled lines in the window (the amount box, an underline) give the page's skew, which is
   turned away;
2. if those lines form a box (or an underline) of about the field's size, the field is moved
   onto it: that is where the page put it;
3. the ruled lines are taken out (strokes crossing them are kept), and each remaining piece of
   ink is kept when its centre lies in the field: ink that belongs to the field but crosses its
   edge stays whole, while printed text, the MICR line or a date that the window also catches
   stay out.

The region handed to the reader is the kept ink alone, as dark ink on white paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .components import grow_cross
from .fields import Field
from .model import DigitModel
from .numbers.ruled_lines import (LINE_MIN_PX, LINE_TO_HEIGHT, labelled_by_rows, line_fit, long_runs, remove_ruled_lines,
                                 runs_of, spread)
from .preprocess import NoInkError, ink_map
from .recognize import Reading
from .results import Box

INK_LEVEL = 0.3
# Ruled lines are found at this lower level: a light printed box next to dark handwriting is
# faint in the ink map, and a line found only in dotted bits would stay behind as marks.
LINE_LEVEL = 0.12
OFFSET = 0.025          # page shift looked for, as a fraction of the page
TURN = math.radians(2.5)  # page rotation looked for
# A ruled line is at least this share of the field's width; a box side this share of its height.
LINE_SHARE, SIDE_SHARE = 0.3, 0.5
# Lines forming a box or underline this close to the field's size (relative) move the field.
SNAP_TOLERANCE = 0.2
MIN_TURN_DEG = 0.6
# A field on an underline reaches this share of its height below the line.
BELOW_UNDERLINE = 0.2
# A box in a picture of a field alone is at least this share of the picture's height.
BOX_IN_PICTURE = 0.3
# A piece the edge of a picture cuts, this share of the tallest other piece's height or more
# away from the rest, is a neighbour a loose crop caught (:func:`locate_in_picture`).
CUT_NEIGHBOUR_GAP = 0.5
# A piece this close (pixels) to kept ink, across a removed line, was cut off it by the line.
CUT_OFF_GAP = 8


@dataclass
class Located:
    """The field's ink (white on black, upright) and where it came from on the page."""

    ink: np.ndarray
    origin: tuple[int, int]     # page pixel of the ink map's top-left corner (before turning)
    angle_deg: float            # the page's skew that was turned away
    snapped: bool               # whether ruled lines moved the field
    # The pieces of ``ink > INK_LEVEL`` (8-connected labels 1..n in scan order, and their
    # boxes): exactly what labelling the ink again would give, so number reading need not.
    pieces: tuple[np.ndarray, list[tuple[slice, slice]]] | None = None


def _window(field: Field, width: int, height: int) -> tuple[int, int, int, int, tuple[int, int, int, int]]:
    fx, fy, fw, fh = field.pixels(width, height)
    cx, cy = fx + fw / 2 - width / 2, fy + fh / 2 - height / 2
    mx = int(OFFSET * width + abs(cy) * math.sin(TURN) + fh * 0.05) + 2
    my = int(OFFSET * height + (abs(cx) + fw / 2) * math.sin(TURN)) + 2
    x0, y0 = max(0, fx - mx), max(0, fy - my)
    x1, y1 = min(width, fx + fw + mx), min(height, fy + fh + my)
    return x0, y0, x1, y1, (fx - x0, fy - y0, fw, fh)


def window_rows(field: Field, width: int, height: int) -> int:
    """How many top rows of a ``width`` x ``height`` page locating ``field`` looks at: a batch
    decodes no further (:mod:`digitdesk.top_rows`)."""
    return _window(field, width, height)[3]


def _line_skew(mask: np.ndarray, min_len: int) -> float:
    """Skew (radians, positive = the page turned counter-clockwise) from long ruled lines.

    ``mask`` is the field's ink on every other column, with each pair of rows merged (see
    :func:`_halved`): the angle comes out the same for a quarter of the work.
    """
    min_len = max(min_len // 2, 10)
    runs = long_runs(spread(mask, 1, axis=0), min_len) & mask
    labels, boxes = labelled_by_rows(runs)
    slopes, weights = [], []
    for i, sl in enumerate(boxes, start=1):
        if sl[1].stop - sl[1].start < min_len:
            continue
        ys, xs = np.nonzero(labels[sl] == i)
        if xs.size < 10 or np.ptp(xs) == 0:
            continue
        slope = line_fit(xs, ys)[0]
        slopes.append(slope)
        weights.append(float(np.ptp(xs)))
    if not slopes:
        return 0.0
    order = np.argsort(slopes)
    cum = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(slopes)[order][np.searchsorted(cum, cum[-1] / 2)])
    return -math.atan(median)


def _halved(ink: np.ndarray, level: float) -> np.ndarray:
    """``ink > level`` on every other column, each pair of rows merged into one.

    Merging rows rather than dropping every other one keeps a one-pixel ruled line whole: a
    bitonal scan draws a thin box that way, and a skewed one steps from row to row, so taking
    every other row would leave it in dashes too short to count as a line.
    """
    m = ink[:, ::2] > level
    rows = m.shape[0] // 2 * 2
    return m[0:rows:2] | m[1:rows:2]


def _turn(ink: np.ndarray, angle: float) -> np.ndarray:
    """``ink`` turned by ``angle`` radians (counter-clockwise) about its centre, by two whole-pixel
    shears: each column moved up or down, then each row left or right (new corners are empty).

    A page turns by 2.5 degrees at most, where two shears are a rotation to within half a
    pixel over the window; moving bands of equal shift as slices costs a tenth of a bilinear
    rotation, and keeps the ink's own values (no blur) as on a straight page.
    """
    t = math.tan(angle)
    h, w = ink.shape
    # y' = y - t * (x - xc): a line falling to the right by t per column comes out level.
    cols = _shifted(ink, -t * (np.arange(w) - (w - 1) / 2.0), axis=1)
    # x' = x + t * (y - yc): the box's sides, tilted the other way, come out upright.
    return _shifted(cols, t * (np.arange(h) - (h - 1) / 2.0), axis=0)


def _shifted(ink: np.ndarray, shift: np.ndarray, axis: int) -> np.ndarray:
    """``ink`` with each column (``axis=1``) moved down, or each row (``axis=0``) moved right,
    by its ``shift`` rounded to whole pixels; what moves out is lost, what moves in is empty."""
    d = np.floor(shift + 0.5).astype(np.int64)
    out = np.zeros_like(ink)
    a = ink if axis == 1 else ink.T
    o = out if axis == 1 else out.T
    n = a.shape[0]
    starts = np.flatnonzero(np.diff(d, prepend=d[0] - 1))
    for c0, c1 in zip(starts.tolist(), starts[1:].tolist() + [d.size]):
        k = int(d[c0])
        if k >= n or -k >= n:
            continue
        if k >= 0:
            o[k:, c0:c1] = a[: n - k, c0:c1]
        else:
            o[:k, c0:c1] = a[-k:, c0:c1]
    return out


def _joined_lines(removed: np.ndarray, gap: int) -> list[tuple[int, int, int, int]]:
    """The ruled lines' extents (y0, y1, x0, x1), pieces on the same rows less than ``gap``
    apart joined: strokes crossing a line are put back, which leaves gaps in it."""
    found = [[sl[0].start, sl[0].stop, sl[1].start, sl[1].stop]
             for sl in labelled_by_rows(spread(removed, 1, axis=0), labels=False)[1]]
    found.sort(key=lambda b: b[2])
    joined: list[list[int]] = []
    for b in found:
        for a in joined:
            if min(a[1], b[1]) > max(a[0], b[0]) and b[2] - a[3] < gap:
                a[:] = [min(a[0], b[0]), max(a[1], b[1]), a[2], max(a[3], b[3])]
                break
        else:
            joined.append(b)
    return [tuple(b) for b in joined]


def _snap(removed: np.ndarray, rect: tuple[int, int, int, int]) -> tuple[tuple[int, int, int, int], bool]:
    """Move the field rectangle onto a box or underline of about its size, if there is one."""
    fx, fy, fw, fh = rect
    best = None
    for y0, y1, x0, x1 in _joined_lines(removed, max(4, fh // 6)):
        w, h = x1 - x0, y1 - y0
        if abs(w - fw) > SNAP_TOLERANCE * fw:
            continue
        if h >= (1 - SNAP_TOLERANCE) * fh * 0.8 and h <= (1 + SNAP_TOLERANCE) * fh:
            # A box: the field is the box with the same margin the template gave it.
            margin_x, margin_y = max(0, (fw - w) // 2), max(0, (fh - h) // 2)
            cand = (x0 - margin_x, y0 - margin_y, fw, fh)
        elif h <= 0.25 * fh and fy + 0.4 * fh <= (y0 + y1) / 2 <= fy + 1.3 * fh:
            # An underline fixes the field's left and right; how high above it the field
            # reaches is the template's to say, so the field keeps its top. Writing rests on
            # the line and crosses it, so the field reaches at least a little below it (a page
            # shifted down would otherwise leave the digits' feet outside).
            cand = (x0 - max(0, (fw - w) // 2), fy, fw, max(fh, y1 + int(BELOW_UNDERLINE * fh) - fy))
        else:
            continue
        shift = abs(cand[0] - fx) + abs(cand[1] - fy)
        if best is None or shift < best[0]:
            best = (shift, cand)
    if best is None:
        return rect, False
    return best[1], True


def _pieces_near(kept: np.ndarray, y0: int, y1: int) -> tuple[int, np.ndarray, list[tuple[slice, slice]]]:
    """The pieces of ``kept`` that can stay in a field spanning rows ``y0:y1``, labelled as
    :func:`labelled_by_rows` would (in scan order), from the first row labelled on.

    A piece stays when its centre is in the field, or when it lies within CUT_OFF_GAP rows of
    one that does: only the runs of rows reaching the field, and those within that gap of
    them, can hold such pieces (a piece cannot cross an empty row). The printed text and the
    MICR line a window also catches are not labelled.
    """
    runs = runs_of(kept.any(axis=1))
    core = [r for r in runs if r[1] > y0 and r[0] < y1]
    if not core:
        return 0, np.zeros((0, kept.shape[1]), dtype=np.int32), []
    lo, hi = core[0][0] - CUT_OFF_GAP - 1, core[-1][1] + CUT_OFF_GAP + 1
    near = [r for r in runs if r[1] >= lo and r[0] <= hi]
    a, b = near[0][0], near[-1][1]
    labels, boxes = labelled_by_rows(kept[a:b])
    return a, labels, [(slice(ys.start + a, ys.stop + a), xs) for ys, xs in boxes]


def locate_field(page_gray: np.ndarray, field: Field, size: tuple[int, int] | None = None) -> Located:
    """The field's own ink, upright, with everything outside the field left out.

    ``size``: the page's width and height when ``page_gray`` holds only its top rows (at
    least :func:`window_rows` of them). Raises :class:`NoInkError` when the field (and its
    surroundings) hold no ink.
    """
    width, height = size or np.shape(page_gray)[::-1]
    x0, y0, x1, y1, rect = _window(field, width, height)
    ink = ink_map(np.asarray(page_gray)[y0:y1, x0:x1])
    fw, fh = rect[2], rect[3]
    min_len = max(int(LINE_SHARE * fw), 20)
    angle = _line_skew(_halved(ink, LINE_LEVEL), min_len)
    if abs(math.degrees(angle)) >= MIN_TURN_DEG:
        ink = _turn(ink, -angle)
    else:
        angle = 0.0
    kept, removed = remove_ruled_lines(ink > LINE_LEVEL, length=min_len, side=max(int(SIDE_SHARE * fh), 8))
    kept &= ink > INK_LEVEL
    rect, snapped = _snap(removed, rect)
    return _field_ink(ink, kept, removed, rect, (x0, y0), angle, snapped)


def _field_ink(
    ink: np.ndarray, kept: np.ndarray, removed: np.ndarray, rect: tuple[int, int, int, int],
    corner: tuple[int, int], angle: float, snapped: bool,
) -> Located:
    """The pieces of ``kept`` (ink without ruled lines) whose centre lies in ``rect``, with
    the pieces a removed line cut off them; ``corner``: where ``ink`` starts on the page."""
    fx, fy, fw, fh = rect
    first, labels, boxes = _pieces_near(kept, fy, fy + fh)
    n = len(boxes)
    if n == 0:
        raise NoInkError("no ink in the field")
    keep = np.zeros(n + 1, dtype=bool)
    for i, sl in enumerate(boxes, start=1):
        cy = (sl[0].start + sl[0].stop) / 2
        cx = (sl[1].start + sl[1].stop) / 2
        keep[i] = fx <= cx < fx + fw and fy <= cy < fy + fh
    if not keep.any():
        raise NoInkError("no ink in the field")
    # Pieces a removed line cut off a kept stroke (a digit's foot below an underline) stay with
    # it, wherever their own centre falls: they touch it across the line's width.
    if removed.any():
        kept_ids = np.flatnonzero(keep)
        top = min(boxes[j - 1][0].start for j in kept_ids) - CUT_OFF_GAP
        bottom = max(boxes[j - 1][0].stop for j in kept_ids) + CUT_OFF_GAP
        left = min(boxes[j - 1][1].start for j in kept_ids)
        right = max(boxes[j - 1][1].stop for j in kept_ids)
        for i, sl in enumerate(boxes, start=1):
            if keep[i] or sl[0].stop < top or sl[0].start > bottom or sl[1].stop < left or sl[1].start > right:
                continue
            for j in kept_ids:
                k = boxes[j - 1]
                gap_y = max(sl[0].start - k[0].stop, k[0].start - sl[0].stop)
                overlap_x = min(sl[1].stop, k[1].stop) - max(sl[1].start, k[1].start)
                if gap_y <= CUT_OFF_GAP and overlap_x > 0 and removed[
                    max(0, min(sl[0].start, k[0].start)) : max(sl[0].stop, k[0].stop),
                    max(sl[1].start, k[1].start) : min(sl[1].stop, k[1].stop),
                ].any():
                    keep[i] = True
                    break
    rx0, ry0, rx1, ry1 = fx, fy, fx + fw, fy + fh
    for i in np.flatnonzero(keep):
        sl = boxes[i - 1]
        rx0, ry0 = min(rx0, sl[1].start), min(ry0, sl[0].start)
        rx1, ry1 = max(rx1, sl[1].stop), max(ry1, sl[0].stop)
    rx0, ry0 = max(0, rx0), max(0, ry0)
    rx1, ry1 = min(ink.shape[1], rx1), min(ink.shape[0], ry1)
    # The kept pieces numbered 1..k in the order of the window's labels: the scan order, which
    # the region's own labelling would follow too (each kept piece lies wholly inside it).
    kept_ids = np.flatnonzero(keep)
    renumber = np.zeros(n + 1, dtype=np.int32)
    renumber[kept_ids] = np.arange(1, kept_ids.size + 1, dtype=np.int32)
    own_labels = np.zeros((ry1 - ry0, rx1 - rx0), dtype=np.int32)
    la, lb = max(ry0, first), min(ry1, first + labels.shape[0])     # the rows labelled
    own_labels[la - ry0 : lb - ry0] = np.take(renumber, labels[la - first : lb - first, rx0:rx1])  # cheaper than []
    own = own_labels > 0
    # Soft edges of kept strokes come along; other ink and the ruled lines do not.
    halo = grow_cross(own)
    region = np.where(halo & ~removed[ry0:ry1, rx0:rx1], ink[ry0:ry1, rx0:rx1], 0.0).astype(np.float32, copy=False)
    # Above INK_LEVEL the region is exactly the kept pieces: the halo's extra pixels above it
    # would be kept ink touching a kept piece, hence part of it.
    pieces = [(slice(a.start - ry0, a.stop - ry0), slice(b.start - rx0, b.stop - rx0)) for a, b in (boxes[j - 1] for j in kept_ids)]
    return Located(region, (corner[0] + rx0, corner[1] + ry0), math.degrees(angle), snapped, (own_labels, pieces))


def _box_in_picture(removed: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest ruled box among the lines taken out of a picture, as (x, y, w, h): a joined
    outline (lines and sides) at least half the picture wide and BOX_IN_PICTURE of its height
    tall, or a line above and a line below, that far apart, overlapping over half its width."""
    h, w = removed.shape
    lines = _joined_lines(removed, max(4, h // 6))
    found = [(x0, y0, x1 - x0, y1 - y0) for y0, y1, x0, x1 in lines
             if x1 - x0 >= w / 2 and y1 - y0 >= BOX_IN_PICTURE * h]
    flat = sorted((l for l in lines if l[3] - l[2] >= w / 2 and l[1] - l[0] < BOX_IN_PICTURE * h), key=lambda l: l[0])
    for i, (ty0, _, tx0, tx1) in enumerate(flat):
        for by0, by1, bx0, bx1 in flat[i + 1:]:
            if by1 - ty0 >= BOX_IN_PICTURE * h and min(tx1, bx1) - max(tx0, bx0) >= w / 2:
                x0, x1 = min(tx0, bx0), max(tx1, bx1)
                found.append((x0, ty0, x1 - x0, by1 - ty0))
    return max(found, key=lambda b: b[2] * b[3]) if found else None


def locate_in_picture(ink: np.ndarray) -> Located | None:
    """The ink of a picture of a field alone (an amount cut from a cheque) without what a loose
    cut caught around it, upright; None when there is nothing to leave out. Raises
    :class:`NoInkError` for a ruled box with nothing in it.

    A crop of an amount box is often cut loosely: the printed ``$`` beside the box, a word of
    the form or a stroke of the date come along, and the box's own lines, turned with the page,
    are no ruled lines to a reader that expects them level. The field's own method applies,
    with a ruled box found in the picture standing for the template's rectangle; without one,
    only the pieces the picture's edge cuts and that stand apart are left out.
    """
    h, w = ink.shape
    # Lines as number reading counts them (longer than the picture is tall): a digit's bar
    # is no ruled line, and a picture no wider than tall holds none.
    min_len = max(int(LINE_TO_HEIGHT * h), LINE_MIN_PX)
    if min_len > w:
        return None
    # The skew, as a field's: from lines a share of the width (a turned line breaks into runs
    # shorter than the lines it is taken out as, once level).
    skew_len = max(int(LINE_SHARE * w), 20)
    mask = ink > LINE_LEVEL
    if not _may_hold_line(mask, skew_len):     # most drawings: no skew or lines to look for
        kept, removed, angle = ink > INK_LEVEL, np.zeros_like(mask), 0.0
    else:
        angle = _line_skew(_halved(ink, LINE_LEVEL), skew_len)
        if abs(math.degrees(angle)) >= MIN_TURN_DEG:
            ink = _turn(ink, -angle)
            mask = ink > LINE_LEVEL
        else:
            angle = 0.0
        kept, removed = remove_ruled_lines(mask, length=min_len)
        kept &= ink > INK_LEVEL
    box = _box_in_picture(removed) if removed.any() else None
    boxed = box is not None
    if not boxed:
        box = _past_cut_neighbours(kept)
        if box is None:
            return None
    try:
        return _field_ink(ink, kept, removed, box, (0, 0), angle, boxed)
    except NoInkError:
        if boxed:   # an empty box is no "0"
            raise NoInkError("no digit found: the box is empty") from None
        return None


def _may_hold_line(mask: np.ndarray, length: int) -> bool:
    """Whether some band of rows that a line ``length`` long, turned as far as a page turns,
    stays within holds that much ink: a picture without one holds no such line."""
    band = int(math.ceil(math.tan(TURN) * mask.shape[1])) + 2
    per_row = np.count_nonzero(mask, axis=1)
    if per_row.sum() < length:
        return False
    sums = np.convolve(per_row, np.ones(min(band, per_row.size), dtype=np.int64), mode="valid")
    return bool(sums.max() >= length)


def _past_cut_neighbours(kept: np.ndarray) -> tuple[int, int, int, int] | None:
    """The rectangle (x, y, w, h) of the picture between the pieces that its left or right edge
    cuts and that stand apart from the writing (CUT_NEIGHBOUR_GAP of its height or more): a
    loose crop's share of the printed ``$`` beside the box, or of the next field. None when
    there are none."""
    h, w = kept.shape
    if not (kept[:, 0].any() or kept[:, -1].any()):
        return None
    _, boxes = labelled_by_rows(kept, labels=False)
    cut = [b for b in boxes if b[1].start == 0 or b[1].stop == w]
    rest = [b for b in boxes if b[1].start > 0 and b[1].stop < w]
    if not cut or not rest:
        return None
    tall = max(b[0].stop - b[0].start for b in rest)
    # The writing, without the dust around it: pieces at least a third as tall as the tallest.
    writing = [b for b in rest if b[0].stop - b[0].start >= tall / 3]
    x0, x1 = min(b[1].start for b in writing), max(b[1].stop for b in writing)
    gap = CUT_NEIGHBOUR_GAP * tall
    left = max((b[1].stop for b in cut if b[1].start == 0 and x0 - b[1].stop >= gap), default=0)
    right = min((b[1].start for b in cut if b[1].stop == w and b[1].start - x1 >= gap), default=w)
    if left == 0 and right == w:
        return None
    return left, 0, right - left, h


def field_region(page_gray: np.ndarray, field: Field, size: tuple[int, int] | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """The field of a page as a grey picture (dark ink on white) and its top-left page pixel.

    Feed the picture to :func:`digitdesk.recognize.read`; add the corner to the reading's boxes
    to place them on the page (exact for a straight page, within a few pixels for a skewed one).
    """
    found = locate_field(page_gray, field, size)
    return 1.0 - found.ink, found.origin


def read_field(
    page_gray: np.ndarray, field: Field, model: DigitModel, mode: str | None = None, size: tuple[int, int] | None = None
) -> Reading:
    """Locate and read one field of a page; boxes are in page pixels.

    ``mode`` defaults to the field's own. Same result as ``read(field_region(...))`` with the
    boxes moved onto the page, without making the ink map twice for number reading.
    """
    from .numbers.reading import read_number_ink
    from .recognize import read

    mode = mode or field.mode
    found = locate_field(page_gray, field, size)
    if mode == "number":
        reading = read_number_ink(found.ink, model, lines=False, pieces=found.pieces)
    else:
        reading = read(1.0 - found.ink, model, mode)
    ox, oy = found.origin
    reading.boxes = tuple(Box(b.x + ox, b.y + oy, b.w, b.h) for b in reading.boxes)
    return reading


__all__ = ["Located", "field_region", "locate_field", "locate_in_picture", "read_field", "window_rows"]
