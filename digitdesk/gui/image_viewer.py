"""A window showing one picture with the digit boxes the reader found (and the field, if any).

The page is decoded on a worker thread; huge scans are scaled down for display there too.
"""

from __future__ import annotations

import threading
from typing import Optional, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..results import Box
from .qt_images import gray_to_qimage

MAX_SIDE = 1600  # pixels shown on the longer side


class ImageViewer(QDialog):
    _loaded = Signal(tuple)   # (QImage, scale from page pixels, field box or None, error); one object, never a bare None

    def __init__(self, parent: Optional[QWidget], title: str, path: str = "", page: int = 1,
                 boxes: Sequence[Box] = (), labels: str = "", gray=None, field=None, caption: str = ""):
        """``field``: a :class:`digitdesk.fields.Field` to outline, when the row is one field of a page."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.boxes, self.labels, self.field = list(boxes), labels, field
        self.image_label = QLabel("Loading…")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setAccessibleName("Picture with digit boxes")
        scroll = QScrollArea()
        scroll.setWidget(self.image_label)
        scroll.setWidgetResizable(True)
        info = QLabel(caption)
        info.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(info)
        layout.addWidget(buttons)
        self.resize(900, 640)
        self.shown_image: Optional[QImage] = None
        self._loaded.connect(self._show)
        threading.Thread(target=self._load, args=(path, page, gray), daemon=True).start()

    def _load(self, path: str, page: int, gray) -> None:
        from PIL import Image

        import numpy as np

        try:
            if gray is None:
                from ..loading import open_pages

                for p in open_pages(path):
                    if p.page == page:
                        gray = p.gray
                        break
                if gray is None:
                    raise ValueError(f"the file has no page {page}")
            h, w = gray.shape
            field_px = self.field.pixels(w, h) if self.field is not None else None
            scale = min(1.0, MAX_SIDE / max(h, w))
            if scale < 1.0:
                small = Image.fromarray((np.clip(gray, 0, 1) * 255).astype(np.uint8)).resize(
                    (max(1, int(w * scale)), max(1, int(h * scale))), Image.BILINEAR)
                gray = np.asarray(small)
            image = gray_to_qimage(gray).convertToFormat(QImage.Format.Format_RGB32)
            self._emit(image, scale, field_px, "")
        except Exception as exc:
            self._emit(QImage(), 1.0, None, str(exc))

    def _emit(self, image, scale, field_px, error) -> None:
        try:
            self._loaded.emit((image, scale, field_px, error))
        except RuntimeError:
            pass  # closed before the picture arrived

    def _show(self, payload: tuple) -> None:
        image, scale, field_px, error = payload
        if error:
            self.image_label.setText(f"Cannot show this picture: {error}")
            return
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        width = max(2.0, image.width() / 400.0)
        if field_px is not None:
            x, y, w, h = field_px
            painter.setPen(QPen(QColor(40, 120, 255), width, Qt.PenStyle.DashLine))
            painter.drawRect(QRectF(x * scale, y * scale, w * scale, h * scale))
        font = QFont(painter.font())
        font.setPixelSize(max(12, int(image.height() / 30)))
        painter.setFont(font)
        labels = self.labels if len(self.labels) == len(self.boxes) else ""
        for k, b in enumerate(self.boxes):
            painter.setPen(QPen(QColor(230, 40, 40), width))
            rect = QRectF(b.x * scale, b.y * scale, b.w * scale, b.h * scale).adjusted(-2, -2, 2, 2)
            painter.drawRect(rect)
            if labels:
                painter.drawText(QPointF(rect.left(), rect.top() - 4), labels[k])
        painter.end()
        self.shown_image = image
        self.image_label.setPixmap(QPixmap.fromImage(image))
