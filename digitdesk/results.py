"""The one record type for a reading: the table model, the CSV writer and the CLI all share it.

One :class:`Result` per (file, page, field). ``status`` is ``ok``, ``review`` (the model is
unsure: below the review threshold), ``error`` (``error`` says why, for a person) or
``corrected`` (a person fixed the reading; ``original`` keeps what the model said).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # numpy only for the annotation: the GUI imports this before numpy is needed
    import numpy as np

OK, REVIEW, ERROR, CORRECTED = "ok", "review", "error", "corrected"
STATUSES = (OK, REVIEW, ERROR, CORRECTED)


@dataclass(frozen=True)
class Box:
    """Where one digit sits, in pixels of the page (x, y, width, height)."""

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

    def corrected(self, reading: str) -> "Result":
        """A copy with a person's reading; the model's own reading is kept in ``original``."""
        if reading == self.prediction and self.status != CORRECTED:
            return self
        original = self.original if self.status == CORRECTED else self.prediction
        return replace(self, prediction=reading, status=CORRECTED, original=original, error="")


def status_for(confidence: float, threshold: float) -> str:
    return OK if confidence >= threshold else REVIEW
