"""From a grey picture (a page, a field, a drawing) to a :class:`Reading`: the core's front door.

Modes: ``digit`` reads the picture as one digit; ``number`` reads a string of digits (see
:mod:`digitdesk.numbers`); ``auto`` looks at the ink and picks one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from .model import DigitModel
from .preprocess import NoInkError, ink_map, normalize_digit_with_box
from .results import Box

MODES = ("auto", "digit", "number")


@dataclass
class Reading:
    """What the core read in one picture; boxes are in the picture's pixels."""

    text: str
    confidence: float
    mode: str                                       # the mode actually used: digit or number
    probabilities: Optional[np.ndarray] = None      # [10], digit mode only
    digit_confidences: tuple[float, ...] = ()
    boxes: tuple[Box, ...] = ()
    inputs: list[np.ndarray] = field(default_factory=list)  # the 28x28 images the model saw
    strip: Optional[np.ndarray] = None  # what the string model saw, when its reading is given


def readings_from_inputs(
    images: Sequence[np.ndarray], boxes: Sequence[Box], model: DigitModel
) -> list[Reading]:
    """Single-digit readings for already preprocessed inputs, run as one batch."""
    if not len(images):
        return []
    probs, digits, confidences = digit_answers(images, model)
    return [Reading(k, c, "digit", p, (c,), (box,), [image])
            for image, box, p, k, c in zip(images, boxes, probs, digits, confidences)]


def digit_answers(images: Sequence[np.ndarray], model: DigitModel) -> tuple[np.ndarray, list[str], list[float]]:
    """Probabilities [N, 10], the digit read and its probability for each preprocessed input,
    in one model call (a batch fills its rows from these without a Reading per file)."""
    probs = model.predict(np.stack(images))
    best = probs.argmax(axis=1)
    confidences = probs[np.arange(len(probs)), best].tolist()
    return probs, [_DIGITS[k] for k in best.tolist()], confidences


_DIGITS = [str(k) for k in range(10)]

# Auto mode reads a picture as one digit without trying it as a number when the digit is read
# at least this surely from one upright piece of ink (see plainly_one_digit).
SURE_DIGIT = 0.9


def plainly_one_digit(confidence: float, box: Box, one_piece: bool | None) -> bool:
    """Whether auto mode can take a digit reading as it is: one piece of ink (``one_piece``;
    None: not known), no wider than tall, read with SURE_DIGIT confidence. Cut into several
    digits, such ink would have to read surer still to win (pieces joined into one cannot count
    as digits that clearly stand apart), which only two digits written into one upright blob
    could do; segmenting it is otherwise wasted work. Most drawings and digit files are this.
    """
    return bool(one_piece) and confidence >= SURE_DIGIT and box.w <= box.h


def read_digit(gray: np.ndarray, model: DigitModel) -> Reading:
    return read_digit_ink(ink_map(gray), model)


def read_digit_ink(ink: np.ndarray, model: DigitModel) -> Reading:
    """:func:`read_digit` for an ink map already made (auto mode makes one for both readings)."""
    image, (x, y, w, h) = normalize_digit_with_box(ink)
    return readings_from_inputs([image], [Box(x, y, w, h)], model)[0]


def read(gray: np.ndarray, model: DigitModel, mode: str = "auto") -> Reading:
    """Read one picture in ``mode``; raises NoInkError when there is nothing to read."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "digit":
        return read_digit(gray, model)
    from . import numbers  # number reading: segmentation and cut hypotheses

    if mode == "number":
        return numbers.read_number(gray, model)
    return numbers.read_auto(gray, model)


__all__ = ["MODES", "NoInkError", "Reading", "SURE_DIGIT", "digit_answers", "plainly_one_digit", "read",
           "read_digit", "read_digit_ink", "readings_from_inputs"]
