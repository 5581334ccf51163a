"""Ten bars, one per digit, with the winner highlighted: what the model thinks of one digit."""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class ProbabilityBars(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setAccessibleName("Digit probabilities")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._probs: Optional[list[float]] = None
        self._caption = ""

    def set_probabilities(self, probs: Optional[Sequence[float]], caption: str = "") -> None:
        self._probs = None if probs is None else [float(p) for p in probs]
        self._caption = caption
        if self._probs is None:
            self.setAccessibleDescription("No prediction")
        else:
            ranked = sorted(range(10), key=lambda k: -self._probs[k])[:3]
            self.setAccessibleDescription(
                ", ".join(f"{k}: {self._probs[k]:.0%}" for k in ranked)
            )
        self.update()

    def probabilities(self) -> Optional[list[float]]:
        return self._probs

    def winner(self) -> Optional[int]:
        if not self._probs:
            return None
        return max(range(10), key=lambda k: self._probs[k])

    def sizeHint(self) -> QSize:
        return QSize(240, 10 * (self.fontMetrics().height() + 6) + self.fontMetrics().height() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 10 * (self.fontMetrics().height() + 2))

    def paintEvent(self, event) -> None:
        pal = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = self.fontMetrics()
        top = 0.0
        if self._caption:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(0, 0, self.width(), fm.height()), Qt.AlignmentFlag.AlignLeft, self._caption)
            top = fm.height() + 4
        row_h = (self.height() - top) / 10.0
        label_w = fm.horizontalAdvance("0") + 10
        pct_w = fm.horizontalAdvance("100%") + 8
        bar_w = max(self.width() - label_w - pct_w, 10)
        winner = self.winner()
        track = pal.color(QPalette.ColorRole.Mid)
        track.setAlpha(60)
        for k in range(10):
            y = top + k * row_h
            bar = QRectF(label_w, y + row_h * 0.2, bar_w, row_h * 0.6)
            text_color = pal.color(QPalette.ColorRole.WindowText)
            painter.setPen(text_color)
            font = painter.font()
            font.setBold(k == winner)
            painter.setFont(font)
            painter.drawText(QRectF(0, y, label_w - 4, row_h), Qt.AlignmentFlag.AlignCenter, str(k))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(bar, 3, 3)
            if self._probs is None:
                continue
            p = self._probs[k]
            fill = QColor(pal.color(QPalette.ColorRole.Highlight)) if k == winner else QColor(pal.color(QPalette.ColorRole.Mid))
            painter.setBrush(fill)
            if p > 0.002:
                painter.drawRoundedRect(QRectF(bar.left(), bar.top(), max(bar_w * p, 3.0), bar.height()), 3, 3)
            painter.setPen(text_color)
            painter.drawText(
                QRectF(label_w + bar_w + 4, y, pct_w, row_h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"{p:.0%}",
            )
        painter.end()
