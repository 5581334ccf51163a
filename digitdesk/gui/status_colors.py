"""Colours for result statuses: tints that read on light and dark palettes alike."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor

from .statuses import CORRECTED, ERROR, REVIEW

# Translucent so the palette's own base colour (light or dark) shows through.
_TINTS = {
    REVIEW: QColor(255, 170, 0, 70),
    ERROR: QColor(230, 40, 40, 70),
    CORRECTED: QColor(40, 120, 255, 60),
}
_BRUSHES = {status: QBrush(color) for status, color in _TINTS.items()}


def status_brush(status: str):
    return _BRUSHES.get(status)
