"""The template editor: draw, name, move and resize the fields to read on a sample scan.

It saves exactly the JSON that ``digitdesk classify --template`` reads (:mod:`digitdesk.fields`):
fields are rectangles in fractions of the page, so one template serves scans of any resolution.
The scene's units are the sample's pixels; fractions are computed only when saving.
"""

from __future__ import annotations

import os
import threading
from typing import Optional

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .icons import themed

BLANK_PAGE = QSizeF(1400, 640)     # shown until a sample is opened: a cheque at 200 dpi
HANDLE_PX = 8                      # how close (screen pixels) to an edge a press resizes
MIN_SIDE = 4.0                     # smallest field side, page pixels
MODES = ("auto", "digit", "number")


class FieldItem(QGraphicsRectItem):
    """One field: drag inside to move it, drag an edge or a corner to resize it."""

    def __init__(self, name: str, rect: QRectF, mode: str = "auto"):
        super().__init__(QRectF(0, 0, rect.width(), rect.height()))
        self.setPos(rect.topLeft())
        self.name, self.mode = name, mode
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self._resizing: Optional[tuple[bool, bool, bool, bool]] = None   # left, top, right, bottom
        self.editor: Optional["TemplateEditor"] = None

    # --- geometry --------------------------------------------------------------------------------

    def page_rect(self) -> QRectF:
        return QRectF(self.pos(), self.rect().size())

    def set_page_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self.setPos(rect.topLeft())
        self.setRect(QRectF(0, 0, rect.width(), rect.height()))
        self._changed()

    def _bounds(self) -> QRectF:
        return self.editor.page_bounds() if self.editor else QRectF(0, 0, 1e9, 1e9)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self.scene() is not None:
            b, size = self._bounds(), self.rect().size()
            x = min(max(value.x(), b.left()), b.right() - size.width())
            y = min(max(value.y(), b.top()), b.bottom() - size.height())
            return QPointF(x, y)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self._changed()
        return super().itemChange(change, value)

    def _changed(self) -> None:
        if self.editor is not None:
            self.editor.field_changed(self)

    def _margin(self) -> float:
        views = self.scene().views() if self.scene() else []
        scale = views[0].transform().m11() if views else 1.0
        return HANDLE_PX / max(scale, 1e-3)

    def _edges(self, pos: QPointF) -> tuple[bool, bool, bool, bool]:
        r, m = self.rect(), self._margin()
        return (abs(pos.x() - r.left()) <= m, abs(pos.y() - r.top()) <= m,
                abs(pos.x() - r.right()) <= m, abs(pos.y() - r.bottom()) <= m)

    def hoverMoveEvent(self, event) -> None:
        left, top, right, bottom = self._edges(event.pos())
        if (left and top) or (right and bottom):
            shape = Qt.CursorShape.SizeFDiagCursor
        elif (right and top) or (left and bottom):
            shape = Qt.CursorShape.SizeBDiagCursor
        elif left or right:
            shape = Qt.CursorShape.SizeHorCursor
        elif top or bottom:
            shape = Qt.CursorShape.SizeVerCursor
        else:
            shape = Qt.CursorShape.SizeAllCursor
        self.setCursor(shape)
        super().hoverMoveEvent(event)

    def mousePressEvent(self, event) -> None:
        edges = self._edges(event.pos())
        if event.button() == Qt.MouseButton.LeftButton and any(edges):
            self._resizing = edges
            self.setSelected(True)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._resizing is None:
            super().mouseMoveEvent(event)
            return
        left, top, right, bottom = self._resizing
        r, p, b = self.page_rect(), event.scenePos(), self._bounds()
        x0, y0, x1, y1 = r.left(), r.top(), r.right(), r.bottom()
        if left:
            x0 = min(max(p.x(), b.left()), x1 - MIN_SIDE)
        if right:
            x1 = max(min(p.x(), b.right()), x0 + MIN_SIDE)
        if top:
            y0 = min(max(p.y(), b.top()), y1 - MIN_SIDE)
        if bottom:
            y1 = max(min(p.y(), b.bottom()), y0 + MIN_SIDE)
        self.set_page_rect(QRectF(QPointF(x0, y0), QPointF(x1, y1)))
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._resizing is not None:
            self._resizing = None
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # --- looks -------------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        selected = self.isSelected()
        color = QColor(230, 60, 40) if selected else QColor(40, 110, 230)
        fill = QColor(color)
        fill.setAlpha(40)
        scale = 1.0 / max(painter.worldTransform().m11(), 1e-3)
        painter.setPen(QPen(color, 2.0 * scale))
        painter.setBrush(QBrush(fill))
        painter.drawRect(self.rect())
        font = QFont(painter.font())
        font.setPixelSize(max(1, int(14 * scale)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(color)
        label = self.name if self.mode == "auto" else f"{self.name} ({self.mode})"
        painter.drawText(self.rect().topLeft() + QPointF(4 * scale, -5 * scale), label)
        if selected:
            s = HANDLE_PX * scale
            painter.setBrush(color)
            for corner in (self.rect().topLeft(), self.rect().topRight(), self.rect().bottomLeft(), self.rect().bottomRight()):
                painter.drawRect(QRectF(corner.x() - s / 2, corner.y() - s / 2, s, s))


class PageView(QGraphicsView):
    """Drag on the page's empty area to draw a new field."""

    fieldDrawn = Signal(QRectF)

    def __init__(self, scene: QGraphicsScene, editor: "TemplateEditor"):
        super().__init__(scene)
        self.editor = editor
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setAccessibleName("Sample page: drag on empty space to draw a field")
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self._start: Optional[QPointF] = None
        self._band: Optional[QGraphicsRectItem] = None

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and not isinstance(item, FieldItem):
            self.scene().clearSelection()
            self._start = self._clamped(self.mapToScene(event.position().toPoint()))
            self._band = self.scene().addRect(QRectF(self._start, self._start), QPen(QColor(230, 60, 40), 0, Qt.PenStyle.DashLine))
            self._band.setZValue(2)
            event.accept()
            return
        super().mousePressEvent(event)

    def _clamped(self, p: QPointF) -> QPointF:
        b = self.editor.page_bounds()
        return QPointF(min(max(p.x(), b.left()), b.right()), min(max(p.y(), b.top()), b.bottom()))

    def mouseMoveEvent(self, event) -> None:
        if self._start is not None and self._band is not None:
            p = self._clamped(self.mapToScene(event.position().toPoint()))
            self._band.setRect(QRectF(self._start, p).normalized())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._start is not None and self._band is not None:
            rect = self._band.rect()
            self.scene().removeItem(self._band)
            self._band, self._start = None, None
            if rect.width() >= MIN_SIDE and rect.height() >= MIN_SIDE:
                self.fieldDrawn.emit(rect)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fitInView(self.editor.page_bounds(), Qt.AspectRatioMode.KeepAspectRatio)


class TemplateEditor(QDialog):
    _sampleLoaded = Signal(tuple)   # (QImage, path, error); one object per emission

    def __init__(self, parent: Optional[QWidget] = None, template_path: Optional[str] = None,
                 sample_folder: Optional[str] = None):
        super().__init__(parent)
        self.setWindowTitle("Field template – digitdesk")
        self.resize(1100, 640)
        self.saved_path: Optional[str] = None
        self.template_path = template_path
        self.sample_path = ""
        self._page = QRectF(0, 0, BLANK_PAGE.width(), BLANK_PAGE.height())

        self.scene = QGraphicsScene(self)
        self.background = QGraphicsPixmapItem()
        self.background.setZValue(0)
        self.background.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.background)
        self._blank()
        self.view = PageView(self.scene, self)
        self.view.fieldDrawn.connect(self._add_drawn)
        self.scene.selectionChanged.connect(self._scene_selection)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Template name, e.g. cheque")
        self.name_edit.setAccessibleName("Template name")
        self.field_list = QListWidget()
        self.field_list.setAccessibleName("Fields")
        self.field_list.itemChanged.connect(self._renamed)
        self.field_list.currentItemChanged.connect(self._list_selection)
        self.mode_box = QComboBox()
        self.mode_box.addItems(MODES)
        self.mode_box.setAccessibleName("Read the field as")
        self.mode_box.currentTextChanged.connect(self._mode_changed)
        self.geometry_label = QLabel("")
        self.delete_button = QPushButton(themed("edit-delete"), "Delete field")
        self.delete_button.clicked.connect(self.delete_selected)

        side = QVBoxLayout()
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        side.addLayout(form)
        side.addWidget(QLabel("Fields (double-click to rename):"))
        side.addWidget(self.field_list, 1)
        field_form = QFormLayout()
        field_form.addRow("Read as:", self.mode_box)
        field_form.addRow("Where:", self.geometry_label)
        side.addLayout(field_form)
        side.addWidget(self.delete_button)
        hint = QLabel("Drag on the page to draw a field. Drag a field to move it; drag its edges to resize it.")
        hint.setWordWrap(True)
        side.addWidget(hint)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(280)

        open_sample = QPushButton(themed("document-open"), "Open sample scan…")
        open_sample.clicked.connect(self.choose_sample)
        load = QPushButton("Load template…")
        load.clicked.connect(self.choose_template)
        save = QPushButton(themed("document-save"), "Save")
        save.clicked.connect(lambda: self.save())
        save_as = QPushButton("Save as…")
        save_as.clicked.connect(lambda: self.save(ask=True))
        use = QPushButton("Save and use")
        use.setDefault(True)
        use.clicked.connect(self._save_and_use)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        self.status = QLabel("")
        buttons = QHBoxLayout()
        for b in (open_sample, load):
            buttons.addWidget(b)
        buttons.addWidget(self.status, 1)
        for b in (save, save_as, use, close):
            buttons.addWidget(b)

        middle = QHBoxLayout()
        middle.addWidget(self.view, 1)
        middle.addWidget(side_widget)
        layout = QVBoxLayout(self)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)

        self._sampleLoaded.connect(self._show_sample)
        self._sync_panel()
        if template_path and os.path.isfile(template_path):
            self.load(template_path)
        if sample_folder and os.path.isdir(sample_folder):
            first = _first_picture(sample_folder)
            if first:
                self.open_sample(first)

    # --- the page -------------------------------------------------------------------------------

    def page_bounds(self) -> QRectF:
        return QRectF(self._page)

    def _blank(self) -> None:
        image = QImage(int(BLANK_PAGE.width()), int(BLANK_PAGE.height()), QImage.Format.Format_RGB32)
        image.fill(QColor(250, 250, 250))
        painter = QPainter(image)
        painter.setPen(QColor(150, 150, 150))
        font = painter.font()
        font.setPixelSize(28)
        painter.setFont(font)
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "Open a sample scan to place fields on it")
        painter.end()
        self.background.setPixmap(QPixmap.fromImage(image))

    def choose_sample(self) -> None:
        from .main_window import image_file_filter

        start = os.path.dirname(self.sample_path) if self.sample_path else os.path.expanduser("~")
        path, _ = QFileDialog.getOpenFileName(self, "Sample scan", start, image_file_filter())
        if path:
            self.open_sample(path)

    def open_sample(self, path: str) -> None:
        """Decode the sample on a worker thread (scans can be large)."""
        self.status.setText(f"Opening {os.path.basename(path)}…")

        def work():
            try:
                from ..loading import load_gray
                from .qt_images import gray_to_qimage

                image = gray_to_qimage(load_gray(path))
                payload = (image, path, "")
            except Exception as exc:  # LoadError and friends: a message
                payload = (QImage(), path, str(exc))
            try:
                self._sampleLoaded.emit(payload)
            except RuntimeError:
                pass  # the dialog closed first

        self._loading = threading.Thread(target=work, daemon=True)
        self._loading.start()

    def _show_sample(self, payload: tuple) -> None:
        image, path, error = payload
        if error:
            self.status.setText("")
            QMessageBox.warning(self, "Sample scan", f"Cannot open {os.path.basename(path)}: {error}")
            return
        old = QRectF(self._page)
        fractions = [(item, self._fractions(item.page_rect(), old)) for item in self.fields()]
        self.sample_path = path
        self.background.setPixmap(QPixmap.fromImage(image))
        self._page = QRectF(0, 0, image.width(), image.height())
        self.scene.setSceneRect(self._page)
        for item, (x, y, w, h) in fractions:   # fields keep their place on the page
            item.set_page_rect(self._from_fractions(x, y, w, h))
        self.view.fitInView(self._page, Qt.AspectRatioMode.KeepAspectRatio)
        self.status.setText(f"{os.path.basename(path)}: {image.width()} x {image.height()} pixels")

    # --- fields ------------------------------------------------------------------------------------

    def fields(self) -> list[FieldItem]:
        return [self.field_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.field_list.count())]

    def add_field(self, name: str, rect: QRectF, mode: str = "auto") -> FieldItem:
        item = FieldItem(name, rect, mode)
        item.editor = self
        self.scene.addItem(item)
        entry = QListWidgetItem(name)
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsEditable)
        entry.setData(Qt.ItemDataRole.UserRole, item)
        self.field_list.blockSignals(True)
        self.field_list.addItem(entry)
        self.field_list.blockSignals(False)
        self.scene.clearSelection()
        item.setSelected(True)
        return item

    def _add_drawn(self, rect: QRectF) -> None:
        taken = {f.name for f in self.fields()}
        n = len(taken) + 1
        while f"field{n}" in taken:
            n += 1
        self.add_field(f"field{n}", rect)
        self.status.setText("Field added: double-click its name to rename it.")

    def delete_selected(self) -> None:
        for item in [f for f in self.fields() if f.isSelected()]:
            row = self._row_of(item)
            self.field_list.takeItem(row)
            self.scene.removeItem(item)
        self._sync_panel()

    def _row_of(self, item: FieldItem) -> int:
        for i in range(self.field_list.count()):
            if self.field_list.item(i).data(Qt.ItemDataRole.UserRole) is item:
                return i
        return -1

    def selected_field(self) -> Optional[FieldItem]:
        chosen = [f for f in self.fields() if f.isSelected()]
        return chosen[0] if chosen else None

    def field_changed(self, item: FieldItem) -> None:
        if item is self.selected_field():
            self._sync_panel()

    def _scene_selection(self) -> None:
        item = self.selected_field()
        row = self._row_of(item) if item else -1
        self.field_list.blockSignals(True)
        self.field_list.setCurrentRow(row)
        self.field_list.blockSignals(False)
        self._sync_panel()

    def _list_selection(self, current, previous) -> None:
        if current is None:
            return
        item = current.data(Qt.ItemDataRole.UserRole)
        self.scene.blockSignals(True)
        self.scene.clearSelection()
        item.setSelected(True)
        self.scene.blockSignals(False)
        self._sync_panel()

    def _renamed(self, entry: QListWidgetItem) -> None:
        item = entry.data(Qt.ItemDataRole.UserRole)
        name = entry.text().strip()
        if not name or any(f.name == name for f in self.fields() if f is not item):
            self.field_list.blockSignals(True)
            entry.setText(item.name)
            self.field_list.blockSignals(False)
            self.status.setText("Field names must be unique and not empty.")
            return
        item.name = name
        item.update()

    def _mode_changed(self, mode: str) -> None:
        item = self.selected_field()
        if item is not None and item.mode != mode:
            item.mode = mode
            item.update()

    def _sync_panel(self) -> None:
        item = self.selected_field()
        self.mode_box.setEnabled(item is not None)
        self.delete_button.setEnabled(item is not None)
        if item is None:
            self.geometry_label.setText("–")
            return
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentText(item.mode)
        self.mode_box.blockSignals(False)
        x, y, w, h = self._fractions(item.page_rect(), self._page)
        self.geometry_label.setText(f"x {x:.1%}, y {y:.1%}, {w:.1%} x {h:.1%} of the page")

    # --- template files ----------------------------------------------------------------------------

    @staticmethod
    def _fractions(rect: QRectF, page: QRectF) -> tuple[float, float, float, float]:
        W, H = page.width(), page.height()
        x, y = max(rect.left(), 0.0) / W, max(rect.top(), 0.0) / H
        w = min(rect.width() / W, 1.0 - x)
        h = min(rect.height() / H, 1.0 - y)
        return round(x, 4), round(y, 4), round(w, 4), round(h, 4)

    def _from_fractions(self, x: float, y: float, w: float, h: float) -> QRectF:
        W, H = self._page.width(), self._page.height()
        return QRectF(x * W, y * H, w * W, h * H)

    def template(self):
        """The fields as a :class:`digitdesk.fields.Template` (raises TemplateError if invalid)."""
        from ..fields import Field, Template

        fields = []
        for item in self.fields():
            x, y, w, h = self._fractions(item.page_rect(), self._page)
            fields.append(Field(item.name, x, y, max(w, 0.0001), max(h, 0.0001), item.mode))
        return Template(fields, self.name_edit.text().strip())

    def load(self, path: str) -> bool:
        from ..fields import TemplateError, load_template

        try:
            template = load_template(path)
        except TemplateError as exc:
            QMessageBox.warning(self, "Load template", str(exc))
            return False
        for item in self.fields():
            self.scene.removeItem(item)
        self.field_list.clear()
        for f in template.fields:
            self.add_field(f.name, self._from_fractions(f.x, f.y, f.w, f.h), f.mode)
        self.name_edit.setText(template.name)
        self.template_path = path
        self.status.setText(f"Loaded {os.path.basename(path)}: {len(template.fields)} field(s)")
        return True

    def choose_template(self) -> None:
        start = os.path.dirname(self.template_path) if self.template_path else os.path.expanduser("~")
        path, _ = QFileDialog.getOpenFileName(self, "Load template", start, "Templates (*.json);;All files (*)")
        if path:
            self.load(path)

    def save(self, path: Optional[str] = None, ask: bool = False) -> Optional[str]:
        """Write the template JSON; returns the path, or None when cancelled or invalid."""
        from ..fields import TemplateError, save_template

        try:
            template = self.template()
        except TemplateError as exc:
            QMessageBox.warning(self, "Save template", str(exc))
            return None
        if not template.fields:
            QMessageBox.warning(self, "Save template", "Draw at least one field first.")
            return None
        path = path or (None if ask else self.template_path)
        if not path:
            start = self.template_path or os.path.join(os.path.dirname(self.sample_path) or os.path.expanduser("~"),
                                                        f"{template.name or 'template'}.json")
            path, _ = QFileDialog.getSaveFileName(self, "Save template", start, "Templates (*.json)")
            if not path:
                return None
        try:
            save_template(template, path)
        except OSError as exc:
            QMessageBox.warning(self, "Save template", f"Could not write {path}: {exc.strerror or exc}")
            return None
        self.template_path = self.saved_path = path
        self.status.setText(f"Saved {os.path.basename(path)}")
        return path

    def _save_and_use(self) -> None:
        if self.save():
            self.accept()


def _first_picture(folder: str) -> Optional[str]:
    from ..formats import has_image_extension

    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        path = os.path.join(folder, name)
        if has_image_extension(name) and os.path.isfile(path):
            return path
    return None
