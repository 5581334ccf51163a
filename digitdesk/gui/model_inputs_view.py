"""The 28x28 pictures the model saw, one tile per digit: click a tile to see that digit's bars."""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .qt_images import gray_to_qimage

TILE = 56   # 28 pixels shown at 2x
GAP = 6


class ModelInputsView(QWidget):
    tileClicked = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setAccessibleName("What the model saw")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._tiles: list[QImage] = []
        self._labels: list[str] = []
        self.selected = -1

    def set_inputs(self, inputs: Sequence, labels: str = "", selected: int = -1) -> None:
        self._tiles = [gray_to_qimage(i) for i in inputs]
        self._labels = list(labels) if len(labels) == len(self._tiles) else [""] * len(self._tiles)
        self.selected = selected
        self.setAccessibleDescription(f"{len(self._tiles)} model input(s): {labels}" if self._tiles else "none")
        self.setCursor(Qt.CursorShape.PointingHandCursor if len(self._tiles) > 1 else Qt.CursorShape.ArrowCursor)
        self.update()

    def clear(self) -> None:
        self.set_inputs([])

    def tile_count(self) -> int:
        return len(self._tiles)

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
