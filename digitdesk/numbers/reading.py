"""Read a picture of a written number: ink, no ruled lines, upright, marks, cuts, model, best path.

The whole-string confidence is the product of the digits' confidences: the chance that every
digit is right if each digit's confidence is honest, so one unsure digit is enough to send the
amount to review, and longer amounts need surer digits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import components
from ..model import DigitModel
from ..preprocess import NoInkError, ink_map
from ..recognize import Reading, plainly_one_digit, read_digit_ink
from ..results import Box
from .marks import DIGIT, SYMBOLS, Mark, classify_marks, digit_height, find_marks
from .ruled_lines import remove_ruled_lines
from .segmentation import Candidate, best_path, candidates, digit_pieces, render_all, scored_candidates
from .slant import Shear, deslant, estimate_slant
from .string_model import shared_string_model
from .string_reading import SURE_STRING, combine, read_strip

INK_LEVEL = 0.3          # the same ink level normalize_digit uses
# Pieces of ink are told apart at this lower level, so faint strokes do not fall into fragments.
LABEL_LEVEL = 0.2
LINE_LEVEL = 0.12
# Digits are at least this tall: pixels, and share of the picture's height.
MIN_DIGIT_PX, MIN_DIGIT_SHARE = 6, 0.15
NO_DIGITS = "no digits found: only separators, lines or specks"


@dataclass
class Layout:
    """A region prepared for reading: upright ink, who owns each pixel, the marks, digit height."""

    ink: np.ndarray
    labels: np.ndarray          # the marks' labels at LABEL_LEVEL
    marks: list[Mark]
    height: float
    shear: Shear
    _owner: np.ndarray | None = None

    @property
    def symbols(self) -> list[Mark]:
        return [m for m in self.marks if m.kind in SYMBOLS]

    @property
    def owner(self) -> np.ndarray:
        """Labels extended to the soft edge pixels below LABEL_LEVEL (the mark next to them).

        Made on first use: only segmentation needs it, and the string model often reads alone.
        """
        if self._owner is None:
            soft = (self.ink > 0.02) & (self.labels == 0)
            self._owner = self.labels
            if soft.any():
                self._owner = self.labels.copy()
                self._owner[soft] = _neighbourhood_max(self.labels)[soft]
        return self._owner


def _neighbourhood_max(labels: np.ndarray) -> np.ndarray:
    """The largest label in each pixel's 3x3 neighbourhood: ``ndimage.grey_dilation(labels,
    size=(3, 3))`` (whose mirrored border repeats the edge), by slicing."""
    p = np.zeros((labels.shape[0] + 2, labels.shape[1] + 2), dtype=labels.dtype)
    p[1:-1, 1:-1] = labels
    rows = np.maximum(np.maximum(p[:-2], p[1:-1]), p[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])


def prepare(gray: np.ndarray) -> Layout:
    """Everything up to the marks; raises NoInkError when nothing digit-like is left."""
    return prepare_ink(ink_map(gray))


def prepare_ink(ink: np.ndarray, lines: bool = True, pieces=None) -> Layout:
    """:func:`prepare` for an ink map already made (white ink on black, [0, 1]).

    ``lines=False`` skips ruled-line removal, for ink that field location already cleaned;
    ``pieces``: the labels and boxes of ``ink > INK_LEVEL`` when the caller has them
    (:class:`digitdesk.field_locate.Located`), used only with ``lines=False``.
    """
    mask = ink > INK_LEVEL
    removed = None
    if lines:
        # Lines are found at a lower level: a light printed rule beside dark writing is faint.
        kept, removed = remove_ruled_lines(ink > LINE_LEVEL)
        mask = kept & mask
    if removed is not None and removed.any():
        halo = components.grow_cross(removed, 2) & ~mask
        ink = np.where(halo | removed & ~mask, 0.0, ink).astype(np.float32)
    slant = estimate_slant(mask, None if lines else pieces)
    if slant:
        ink, shear = deslant(ink, slant)
        mask = ink > INK_LEVEL
    else:
        shear = Shear(0.0, (ink.shape[0] - 1) / 2.0, 0)
    labels, marks = find_marks(ink > LABEL_LEVEL)
    if not marks:
        raise NoInkError()
    height = digit_height(marks)
    classify_marks(labels, marks, height, shear.s, max(MIN_DIGIT_PX, MIN_DIGIT_SHARE * ink.shape[0]))
    if not any(m.kind == DIGIT for m in marks):
        raise NoInkError(NO_DIGITS)
    return Layout(ink, labels, marks, height, shear)


def segment(layout: Layout, model: DigitModel) -> list[Candidate]:
    """The best reading of the layout's digit marks as a list of scored candidates."""
    pieces = digit_pieces(layout.owner, layout.marks, layout.height)
    cands = candidates(pieces, layout.height)
    owner, ink = layout.owner, layout.ink

    def score(some: list[Candidate]) -> None:
        render_all(some, pieces, owner, ink)
        ready = [c for c in some if c.image is not None]
        if ready:
            # Cut hypotheses are scored by the full model: the cascade's first passes were
            # validated on whole digits, not on half digits and merged pairs.
            for c, p in zip(ready, model.predict(np.stack([c.image for c in ready]), full=True)):
                c.probs = p

    ready = scored_candidates(len(pieces), cands, pieces, layout.height, score)
    path = best_path(len(pieces), ready, pieces, layout.height)
    if not path:
        raise NoInkError(NO_DIGITS)
    return path


def _picture_box(layout: Layout, box: tuple[int, int, int, int], shape: tuple[int, int]) -> Box:
    x, y, w, h = box
    xa, xb = layout.shear.to_picture(x, y, x + w, y + h)
    xa = int(max(0, np.floor(xa)))
    xb = int(min(shape[1], np.ceil(xb)))
    return Box(xa, int(y), max(1, xb - xa), int(h))


def reading_of(path: list[Candidate], layout: Layout, shape: tuple[int, int]) -> Reading:
    confidences = tuple(c.confidence for c in path)
    return Reading(
        text="".join(str(c.digit) for c in path),
        confidence=float(np.prod(confidences)),
        mode="number",
        probabilities=None,
        digit_confidences=confidences,
        boxes=tuple(_picture_box(layout, c.box, shape) for c in path),
        inputs=[c.image for c in path],
    )


def read_number(gray: np.ndarray, model: DigitModel, strings=None) -> Reading:
    """Read ``gray`` as a number: digits only (separators, dashes, ``$`` and ``/-`` left out).

    ``strings``: the string model giving a second opinion (:mod:`.string_reading`); None uses
    the shipped one when it is installed, False reads by segmentation alone.
    """
    ink = ink_map(gray)
    found = _located(ink)
    if found is None:
        return read_number_ink(ink, model, strings=strings)
    reading = read_number_ink(found.ink, model, lines=False, strings=strings, pieces=found.pieces)
    return _moved(reading, found.origin)


def _located(ink: np.ndarray):
    """The picture's ink without what a loose cut caught around the writing (a box's lines and
    what lies outside it, a cut neighbour), or None (:func:`digitdesk.field_locate.locate_in_picture`)."""
    from ..field_locate import locate_in_picture  # it imports this package's ruled lines

    return locate_in_picture(ink)


def _moved(reading: Reading, origin: tuple[int, int]) -> Reading:
    """``reading`` with its boxes moved from a located region onto the picture it came from."""
    ox, oy = origin
    return replace(reading, boxes=tuple(Box(b.x + ox, b.y + oy, b.w, b.h) for b in reading.boxes))


def read_number_ink(ink: np.ndarray, model: DigitModel, lines: bool = True, strings=None, pieces=None) -> Reading:
    """:func:`read_number` for an ink map already made; boxes are in the ink map's pixels.

    ``pieces``: see :func:`prepare_ink`.
    """
    layout = prepare_ink(ink, lines, pieces)
    if strings is None:
        strings = shared_string_model()
    string, outputs = read_strip(layout, strings, ink.shape) if strings else (None, ())
    if string is not None and min(string.digit_confidences) >= SURE_STRING:
        return string  # sure enough alone: segmentation would cost several times more
    path = segment(layout, model)
    return combine(reading_of(path, layout, ink.shape), string, [c.probs for c in path], outputs)


# Ink this many times wider than tall is no single digit.
WIDE_INK = 2.0


def _clearly_several(path: list[Candidate], layout: Layout) -> bool:
    """Digits that stand apart: full-height, each from its own marks, with space between them."""
    H = layout.height
    for a, b in zip(path[:-1], path[1:]):
        ax, _, aw, ah = a.box
        bx, _, bw, bh = b.box
        if bx - (ax + aw) < 0.08 * H or min(ah, bh) < 0.6 * H:
            return False
    return True


def _plainly_one_digit(ink: np.ndarray, digit: Reading) -> bool:
    """:func:`plainly_one_digit` for a digit read from ``ink`` (its pieces counted only if needed)."""
    box = digit.boxes[0]
    if not plainly_one_digit(digit.confidence, box, True):
        return False
    return int(components.component_counts((ink > INK_LEVEL)[None])[0]) == 1


def read_auto(gray: np.ndarray, model: DigitModel, strings=None) -> Reading:
    """A digit or a number, whichever the ink shows; a single digit reads exactly as digit mode.

    A number needs two or more digits that the model reads at least as surely as it reads the
    whole ink as one digit, or that clearly stand apart; a broken digit (parts that only make
    sense together) therefore stays one digit.
    """
    ink = ink_map(gray)  # raises NoInkError when there is truly no ink, as digit mode would
    found = _located(ink)
    if found is None:
        return _read_auto_ink(ink, model, strings, True, None)
    return _moved(_read_auto_ink(found.ink, model, strings, False, found.pieces), found.origin)


def _read_auto_ink(ink: np.ndarray, model: DigitModel, strings, lines: bool, pieces) -> Reading:
    """:func:`read_auto` for an ink map; ``lines``, ``pieces``: see :func:`prepare_ink`."""
    digit = read_digit_ink(ink, model)  # read_digit(gray), without making the ink map again
    if _plainly_one_digit(ink, digit):
        return digit  # no cut could read better: segmentation would only cost time

    def as_digit() -> Reading:
        return digit

    try:
        layout = prepare_ink(ink, lines, pieces)
        path = segment(layout, model)
    except NoInkError:
        return as_digit()
    if len(path) < 2:
        return as_digit()
    segmented = number = reading_of(path, layout, ink.shape)
    if strings is None:
        strings = shared_string_model()
    if strings:
        string, outputs = read_strip(layout, strings, ink.shape)
        number = combine(number, string, [c.probs for c in path], outputs)
    if number.confidence >= digit.confidence:
        return number
    # Whether the ink is several digits is the segmentation's call: when the string model reads
    # the digits otherwise, the combined confidence drops (the reading goes to review), but the
    # ink is no less several digits for it ("5041-" was read as one digit, 2).
    if _clearly_several(path, layout) and segmented.confidence >= 0.5:
        return number
    # Nor is ink that segmentation reads as several digits and that is several times wider than
    # tall one digit, however unsure the number: an amount whose string and segmented readings
    # differ ("57883" against "7883") was read as one digit, 2, at 53 %.
    box = digit.boxes[0]
    if box.w >= WIDE_INK * box.h:
        return number
    return digit


__all__ = ["Layout", "prepare", "prepare_ink", "read_auto", "read_number", "read_number_ink", "segment"]
