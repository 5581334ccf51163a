"""The one record type for a reading: the table model, the CSV writer and the CLI all share it.

One :class:`Result` per (file, page, field). ``status`` is ``ok``, ``review`` (the model is
unsure: below the review threshold), ``error`` (``error`` says why, for a person) or
``corrected`` (a person fixed the reading; ``original`` keeps what the model said).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple, Optional

if TYPE_CHECKING:  # numpy only for the annotation: the GUI imports this before numpy is needed
    import numpy as np

OK, REVIEW, ERROR, CORRECTED = "ok", "review", "error", "corrected"
STATUSES = (OK, REVIEW, ERROR, CORRECTED)


class Box(NamedTuple):
    """Where one digit sits, in pixels of the page (x, y, width, height).

    A tuple: a batch makes one per file, and a frozen dataclass costs three times as much."""

    x: int
    y: int
    w: int
    h: int


@dataclass
class Result:
    file: str                      # as shown to the user: relative to the folder it was found in
    page: int = 1                  # 1-based
    field: str = ""                # "" for the whole image
    prediction: str = ""           # "7" for a digit, "1250" for a number, "" when none
    confidence: float = 0.0        # 0..1; for a number the whole string's confidence
    status: str = OK
    error: str = ""
    probabilities: Optional[np.ndarray] = None   # [10] for single-digit readings
    digit_confidences: tuple[float, ...] = ()     # per digit of a number, in reading order
    boxes: tuple[Box, ...] = ()                   # per digit, page pixels
    original: str = ""             # the model's reading when a person corrected it
    path: str = ""                 # absolute path on disk, for reopening (not exported)
    extras: dict = dataclasses.field(default_factory=dict)    # free room for front-ends; not exported

    @classmethod
    def failure(cls, file: str, message: str, page: int = 1, field: str = "", path: str = "") -> "Result":
        return cls(file=file, page=page, field=field, status=ERROR, error=message, path=path)

    def __reduce__(self):
        # Batch workers send results to the parent by pickle: plain tuples and bytes instead
        # of a dict, a numpy array and Box objects cost less than half as much on both sides.
        probs = self.probabilities
        if probs is not None:
            probs = (probs.dtype.str, probs.shape, probs.tobytes())
        boxes = tuple((b.x, b.y, b.w, b.h) for b in self.boxes)
        return _rebuild, (self.file, self.page, self.field, self.prediction, self.confidence, self.status,
                          self.error, probs, self.digit_confidences, boxes, self.original, self.path,
                          self.extras)

    def corrected(self, reading: str) -> "Result":
        """A copy with a person's reading; the model's own reading is kept in ``original``."""
        if reading == self.prediction and self.status != CORRECTED:
            return self
        original = self.original if self.status == CORRECTED else self.prediction
        return replace(self, prediction=reading, status=CORRECTED, original=original, error="")


def _rebuild(file, page, field, prediction, confidence, status, error, probs, digit_confidences, boxes,
             original, path, extras) -> Result:
    if probs is not None:
        import numpy as np

        dtype, shape, data = probs
        probs = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    return Result(file, page, field, prediction, confidence, status, error, probs, digit_confidences,
                  tuple(Box(*b) for b in boxes), original, path, extras)


def status_for(confidence: float, threshold: float) -> str:
    return OK if confidence >= threshold else REVIEW
