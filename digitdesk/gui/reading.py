"""The GUI's single call into the recogniser, so every workspace reads alike.

Canvas drawings and dropped pictures are read with ``recognize.read(..., mode)``: in ``auto``
several digits read as one number with a box per digit. Should number reading be unavailable
(an install without :mod:`digitdesk.numbers`), they fall back to one digit instead of failing.
"""

from __future__ import annotations

import numpy as np

from ..model import DigitModel
from ..recognize import Reading, read, read_digit


def read_picture(gray: np.ndarray, model: DigitModel, mode: str = "auto") -> Reading:
    """Read ``gray``; raises :class:`digitdesk.preprocess.NoInkError` when it holds no ink."""
    if mode == "digit":
        return read_digit(gray, model)
    try:
        return read(gray, model, mode)
    except (ImportError, AttributeError):
        return read_digit(gray, model)

