"""The drawing canvas: strokes from a mouse, a pen or a finger, with undo, redo and clear.

Strokes are kept as points on a fixed "paper" (PAPER_W x PAPER_H units, 2:1 so a number fits),
not as pixels: the canvas repaints crisply at any size or screen scale, undo is just going back
to an earlier tuple of strokes, and the picture handed to the recogniser is rendered from the
same strokes at a fixed resolution, whatever the window size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from .qt_images import qimage_to_array

PAPER_W, PAPER_H = 720.0, 360.0
# The recogniser's picture is the paper at 1/RENDER_DIVISOR: 240x120 pixels is plenty for
# preprocessing (which scales the ink to 20x20) and keeps each live update in a few milliseconds.
RENDER_DIVISOR = 3
MIN_PEN, MAX_PEN = 6, 60


@dataclass(frozen=True)
class Stroke:
    points: tuple[QPointF, ...]
    width: float


def stroke_path(points: Sequence[QPointF]) -> QPainterPath:
    """A smooth path through the points: quadratic curves between the midpoints of segments."""
    path = QPainterPath(points[0])
    if len(points) == 1:
        path.lineTo(points[0] + QPointF(0.01, 0.0))  # a dot: the round cap makes it a disc
        return path
    if len(points) == 2:
        path.lineTo(points[1])
        return path
    for i in range(1, len(points) - 1):
        mid = (points[i] + points[i + 1]) / 2.0
        path.quadTo(points[i], mid)
    path.lineTo(points[-1])
    return path


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


class DrawingCanvas(QWidget):
    """Emits :attr:`changed` whenever the drawing changes, during a stroke too (for live reading)."""

    changed = Signal()
    undoAvailable = Signal(bool)
    redoAvailable = Signal(bool)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setAccessibleName("Drawing canvas")
        self.setAccessibleDescription(
            "Write a digit or a number here with the mouse, a pen or a finger; it is read as you write."
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 150)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._history: list[tuple[Stroke, ...]] = [()]
        self._index = 0
        self._current: list[QPointF] = []
        self._drawing = False
        self.pen_width = 24.0
        self._boxes: list[tuple[QRectF, str]] = []
        self._committed_render: Optional[QImage] = None
        # The paper and the finished strokes as the screen shows them, drawn once: a mouse move
        # repaints that picture and the stroke in progress, not every stroke again.
        self._backdrop_cache: Optional[QPixmap] = None

    # --- state -------------------------------------------------------------------------------

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        return self._history[self._index]

    def is_empty(self) -> bool:
        return not self.strokes and not self._current

    def can_undo(self) -> bool:
        return self._index > 0

    def can_redo(self) -> bool:
        return self._index < len(self._history) - 1

    def set_pen_width(self, width: float) -> None:
        self.pen_width = float(min(max(width, MIN_PEN), MAX_PEN))

    def _push(self, strokes: tuple[Stroke, ...]) -> None:
        del self._history[self._index + 1 :]
        self._history.append(strokes)
        self._index += 1
        self._after_change()

    def _after_change(self) -> None:
        self._committed_render = None
        self._backdrop_cache = None
        self._boxes = []
        self.undoAvailable.emit(self.can_undo())
        self.redoAvailable.emit(self.can_redo())
        self.update()
        self.changed.emit()

    def undo(self) -> None:
        if self._drawing:
            self._cancel_stroke()
            return
        if self.can_undo():
            self._index -= 1
            self._after_change()

    def redo(self) -> None:
        if self.can_redo() and not self._drawing:
            self._index += 1
            self._after_change()

    def clear(self) -> None:
        """Wipe the drawing; undoable, so a slip of the Esc key costs nothing."""
        self._cancel_stroke(emit=False)
        if self.strokes:
            self._push(())
        else:
            self.update()

    def add_stroke(self, points: Sequence[tuple[float, float]], width: Optional[float] = None) -> None:
        """Add a finished stroke given in paper units (for scripted drawing: samples, screenshots)."""
        pts = tuple(QPointF(float(x), float(y)) for x, y in points)
        if pts:
            self._push(self.strokes + (Stroke(pts, float(width or self.pen_width)),))

    # --- strokes from input devices ----------------------------------------------------------

    def _paper_transform(self) -> tuple[float, float, float]:
        """(scale, x offset, y offset) that fit the paper into the widget, centred."""
        margin = 4.0
        w, h = self.width() - 2 * margin, self.height() - 2 * margin
        scale = max(min(w / PAPER_W, h / PAPER_H), 1e-3)
        ox = (self.width() - PAPER_W * scale) / 2.0
        oy = (self.height() - PAPER_H * scale) / 2.0
        return scale, ox, oy

    def to_paper(self, pos: QPointF) -> QPointF:
        scale, ox, oy = self._paper_transform()
        x = min(max((pos.x() - ox) / scale, 0.0), PAPER_W)
        y = min(max((pos.y() - oy) / scale, 0.0), PAPER_H)
        return QPointF(x, y)

    def from_paper(self, point: QPointF) -> QPointF:
        scale, ox, oy = self._paper_transform()
        return QPointF(ox + point.x() * scale, oy + point.y() * scale)

    def _begin(self, pos: QPointF) -> None:
        self._drawing = True
        self._current = [self.to_paper(pos)]
        self._boxes = []
        self.update()
        self.changed.emit()

    def _extend(self, pos: QPointF) -> None:
        if not self._drawing:
            return
        p = self.to_paper(pos)
        last = self._current[-1]
        if abs(p.x() - last.x()) + abs(p.y() - last.y()) < 1.0:
            return  # sub-unit jitter adds points, not shape
        self._current.append(p)
        self.update(self._last_segment_rect())
        self.changed.emit()

    def _last_segment_rect(self) -> QRect:
        """Where adding the last point changed the stroke in progress, in widget pixels.

        The smoothed path's pieces near the end lie within the last three points (quadratic
        curves stay inside their control points), widened by the pen and a pixel of antialiasing.
        """
        pts = self._current[-3:]
        xs, ys = [p.x() for p in pts], [p.y() for p in pts]
        pad = self.pen_width / 2.0 + 1.0
        top_left = self.from_paper(QPointF(min(xs) - pad, min(ys) - pad))
        bottom_right = self.from_paper(QPointF(max(xs) + pad, max(ys) + pad))
        return QRectF(top_left, bottom_right).toAlignedRect().adjusted(-2, -2, 2, 2)

    def _end(self, pos: Optional[QPointF] = None) -> None:
        if not self._drawing:
            return
        if pos is not None:
            self._extend(pos)
        self._drawing = False
        points, self._current = tuple(self._current), []
        self._push(self.strokes + (Stroke(points, self.pen_width),))

    def _cancel_stroke(self, emit: bool = True) -> None:
        if self._drawing or self._current:
            self._drawing = False
            self._current = []
            self.update()
            if emit:
                self.changed.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._drawing and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())
            event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drawing:
            self._end(event.position())
            event.accept()

    def tabletEvent(self, event) -> None:
        # Handled here (and accepted) so Qt does not also synthesise mouse events from the pen.
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove:
            self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self._end(event.position())
        event.accept()

    def event(self, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            points = event.points()
            if points:
                pos = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(pos)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(pos)
                else:
                    self._end(pos)
            event.accept()
            return True
        if kind == QEvent.Type.TouchCancel:
            self._cancel_stroke()
            event.accept()
            return True
        return super().event(event)

    # --- what the recogniser sees -----------------------------------------------------------

    def _render(self, strokes: Sequence[Stroke], base: Optional[QImage] = None) -> QImage:
        w, h = int(PAPER_W) // RENDER_DIVISOR, int(PAPER_H) // RENDER_DIVISOR
        if base is None:
            image = QImage(w, h, QImage.Format.Format_Grayscale8)
            image.fill(0)
        else:
            image = base.copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.scale(1.0 / RENDER_DIVISOR, 1.0 / RENDER_DIVISOR)
        for stroke in strokes:
            painter.setPen(_pen(QColor(255, 255, 255), stroke.width))
            painter.drawPath(stroke_path(stroke.points))
        painter.end()
        return image

    def render_gray(self) -> "np.ndarray":
        """The drawing as white ink on black, float32 in [0, 1], at a fixed resolution.

        Finished strokes are rendered once and cached; only the stroke in progress is drawn on
        each call, so live reading costs the same however much is on the canvas.
        """
        if self._committed_render is None:
            self._committed_render = self._render(self.strokes)
        image = self._committed_render
        if self._current:
            image = self._render([Stroke(tuple(self._current), self.pen_width)], image)
        import numpy as np

        return qimage_to_array(image).astype(np.float32) / 255.0

    # --- digit boxes from the latest reading --------------------------------------------------

    def set_boxes(self, boxes: Sequence[tuple[int, int, int, int, str]]) -> None:
        """Boxes (x, y, w, h, label) in pixels of :meth:`render_gray`'s picture."""
        d = float(RENDER_DIVISOR)
        self._boxes = [(QRectF(x * d, y * d, w * d, h * d), label) for x, y, w, h, label in boxes]
        self.update()

    def box_labels(self) -> list[str]:
        return [label for _, label in self._boxes]

    # --- painting -----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(600, 300)

    def resizeEvent(self, event) -> None:
        self._backdrop_cache = None
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._backdrop_cache = None   # the ink's colour comes from the palette
        super().changeEvent(event)

    def _backdrop(self) -> QPixmap:
        """Everything but the stroke in progress and the boxes, drawn once until it changes."""
        ratio = self.devicePixelRatioF()
        cache = self._backdrop_cache
        if cache is not None and cache.devicePixelRatio() == ratio:
            return cache
        pal = self.palette()
        cache = QPixmap(self.size() * ratio)
        cache.setDevicePixelRatio(ratio)
        painter = QPainter(cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scale, ox, oy = self._paper_transform()
        paper = QRectF(ox, oy, PAPER_W * scale, PAPER_H * scale)
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1.0))
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(paper.adjusted(-2, -2, 2, 2), 6, 6)
        self._to_paper(painter)
        ink = pal.color(QPalette.ColorRole.Text)
        for stroke in self.strokes:
            painter.setPen(_pen(ink, stroke.width))
            painter.drawPath(stroke_path(stroke.points))
        painter.end()
        self._backdrop_cache = cache
        return cache

    def _to_paper(self, painter: QPainter) -> None:
        """Clip to the paper and draw in paper units from here on."""
        scale, ox, oy = self._paper_transform()
        painter.setClipRect(QRectF(ox, oy, PAPER_W * scale, PAPER_H * scale))
        painter.translate(ox, oy)
        painter.scale(scale, scale)

    def paintEvent(self, event) -> None:
        pal = self.palette()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._backdrop())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scale, ox, oy = self._paper_transform()
        if self.is_empty():
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(ox, oy, PAPER_W * scale, PAPER_H * scale), Qt.AlignmentFlag.AlignCenter,
                             "Write a digit or a number here")
        painter.save()
        self._to_paper(painter)
        ink = pal.color(QPalette.ColorRole.Text)
        if self._current:
            painter.setPen(_pen(ink, self.pen_width))
            painter.drawPath(stroke_path(self._current))
        accent = pal.color(QPalette.ColorRole.Highlight)
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() / max(scale, 0.2))
        painter.setFont(font)
        for rect, label in self._boxes:
            painter.setPen(QPen(accent, 2.0 / scale, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(-6, -6, 6, 6))
            painter.setPen(accent)
            painter.drawText(QPointF(rect.left() - 6, rect.top() - 10), label)
        painter.restore()
        painter.end()
