"""The 28x28 pictures the model saw, one tile per digit: click a tile to see that digit's bars.

When the string model gave the reading, what it saw is one strip of the whole number instead.
"""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .qt_images import gray_to_qimage

TILE = 56   # 28 pixels shown at 2x
GAP = 6
STRIP_SHOWN = 4 * (TILE + GAP)  # the string model's 256x32 strip, at most this wide


class ModelInputsView(QWidget):
    tileClicked = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setAccessibleName("What the model saw")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._tiles: list[QImage] = []
        self._labels: list[str] = []
        self._strip: Optional[QImage] = None
        self._strip_label = ""
        self.selected = -1

    def set_inputs(self, inputs: Sequence, labels: str = "", selected: int = -1, strip=None) -> None:
        """Tiles for ``inputs``; with none, the string model's ``strip`` (if any) instead."""
        self._strip = gray_to_qimage(strip) if strip is not None and not len(inputs) else None
        self._strip_label = labels if self._strip is not None else ""
        self._tiles = [gray_to_qimage(i) for i in inputs]
        self._labels = list(labels) if len(labels) == len(self._tiles) else [""] * len(self._tiles)
        self.selected = selected
        self.setAccessibleDescription(f"{len(self._tiles)} model input(s): {labels}" if self._tiles else
                                      "the string model's input" if self._strip is not None else "none")
        self.setCursor(Qt.CursorShape.PointingHandCursor if len(self._tiles) > 1 else Qt.CursorShape.ArrowCursor)
        self.update()

    def clear(self) -> None:
        self.set_inputs([])

    def tile_count(self) -> int:
        return len(self._tiles)

    def shows_strip(self) -> bool:
        return self._strip is not None

    def _strip_rect(self, width: int) -> QRectF:
        w = min(width, STRIP_SHOWN)
        return QRectF(0, 0, w, w * self._strip.height() / max(self._strip.width(), 1))

    def select(self, index: int) -> None:
        self.selected = index
        self.update()

    def _tile_rect(self, k: int) -> QRectF:
        per_row = max(1, (self.width() + GAP) // (TILE + GAP))
        row, col = divmod(k, per_row)
        return QRectF(col * (TILE + GAP), row * (TILE + GAP + 16), TILE, TILE)

    def sizeHint(self) -> QSize:
        return QSize(4 * (TILE + GAP), TILE + 22)

    def heightForWidth(self, width: int) -> int:
        if self._strip is not None:
            return int(self._strip_rect(width).height()) + 16
        per_row = max(1, (width + GAP) // (TILE + GAP))
        rows = max(1, -(-len(self._tiles) // per_row))
        return rows * (TILE + GAP + 16)

    def hasHeightForWidth(self) -> bool:
        return True

    def mousePressEvent(self, event) -> None:
        for k in range(len(self._tiles)):
            if self._tile_rect(k).contains(event.position()):
                self.select(k)
                self.tileClicked.emit(k)
                return
        super().mousePressEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        pal = self.palette()
        if self._strip is not None:
            rect = self._strip_rect(self.width())
            painter.drawImage(rect, self._strip)
            painter.setPen(pal.color(QPalette.ColorRole.WindowText))
            painter.drawText(QRectF(0, rect.bottom() + 1, rect.width(), 15), Qt.AlignmentFlag.AlignCenter,
                             f"the string model's input: {self._strip_label}")
        for k, image in enumerate(self._tiles):
            rect = self._tile_rect(k)
            painter.drawImage(rect, image)
            if k == self.selected and len(self._tiles) > 1:
                painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 3))
                painter.drawRect(rect.adjusted(-1.5, -1.5, 1.5, 1.5))
            if self._labels[k]:
                painter.setPen(pal.color(QPalette.ColorRole.WindowText))
                painter.drawText(QRectF(rect.left(), rect.bottom() + 1, TILE, 15), Qt.AlignmentFlag.AlignCenter, self._labels[k])
        painter.end()
