"""The Draw workspace: write on the canvas, watch the reading, the bars and what the model saw."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .canvas import MAX_PEN, MIN_PEN, DrawingCanvas
from .icons import themed
from .live_reader import LiveReader
from .probability_bars import ProbabilityBars
from .model_inputs_view import ModelInputsView


class DrawPage(QWidget):
    """Shows no prediction for an empty canvas, and says so when the model is unsure."""

    message = Signal(str)        # for the status bar
    penWidthChanged = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.threshold = 0.9
        self.last_reading = None
        self.last_update_ms = 0.0
        self._model_ready = False
        # The picture last handed to the reader and its mode: the same again (a stroke's release,
        # a redraw of what is there) is not read twice. Readings older than the last time the
        # canvas was empty are not shown (they answer a drawing that has been cleared).
        self._submitted: Optional[tuple] = None
        self._first_serial = 0

        self.canvas = DrawingCanvas()
        self.live = LiveReader(self)
        self.live.readingReady.connect(self._show_reading)
        self.canvas.changed.connect(self._canvas_changed)

        # Actions: Undo/Redo use the platform's standard keys; Esc and Delete clear.
        self.undo_action = QAction(themed("edit-undo"), "&Undo stroke", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.canvas.undo)
        self.redo_action = QAction(themed("edit-redo"), "&Redo stroke", self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(self.canvas.redo)
        self.clear_action = QAction(themed("edit-clear"), "C&lear canvas", self)
        self.clear_action.setShortcuts([QKeySequence(Qt.Key.Key_Escape), QKeySequence(QKeySequence.StandardKey.Delete)])
        self.clear_action.triggered.connect(self.canvas.clear)
        for action in (self.undo_action, self.redo_action, self.clear_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.canvas.undoAvailable.connect(lambda _: self._update_actions())
        self.canvas.redoAvailable.connect(lambda _: self._update_actions())
        self._active = True

        tools = QHBoxLayout()
        for action, name in ((self.undo_action, "Undo"), (self.redo_action, "Redo"), (self.clear_action, "Clear")):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setAccessibleName(name)
            button.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
            tools.addWidget(button)
        tools.addSpacing(12)
        pen_label = QLabel("Pen:")
        self.pen_slider = QSlider(Qt.Orientation.Horizontal)
        self.pen_slider.setRange(MIN_PEN, MAX_PEN)
        self.pen_slider.setValue(int(self.canvas.pen_width))
        self.pen_slider.setAccessibleName("Pen width")
        self.pen_slider.setToolTip("Pen width")
        self.pen_slider.setMaximumWidth(180)
        pen_label.setBuddy(self.pen_slider)
        self.pen_slider.valueChanged.connect(self._pen_changed)
        tools.addWidget(pen_label)
        tools.addWidget(self.pen_slider)
        tools.addSpacing(12)
        self.mode_box = QComboBox()
        for label, mode in (("Auto: digit or number", "auto"), ("One digit", "digit"), ("A number", "number")):
            self.mode_box.addItem(label, mode)
        self.mode_box.setAccessibleName("Read the drawing as")
        self.mode_box.setToolTip("Read the drawing as one digit, a number, or decide from the ink")
        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        tools.addWidget(self.mode_box)
        tools.addStretch(1)

        left = QVBoxLayout()
        left.addLayout(tools)
        left.addWidget(self.canvas, 1)

        self.reading_label = QLabel("")
        self.reading_label.setAccessibleName("Reading")
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 3.2)
        big.setBold(True)
        self.reading_label.setFont(big)
        self.reading_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_label = QLabel("")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setAccessibleName("Confidence")
        self.bars = ProbabilityBars()
        seen_title = QLabel("What the model saw:")
        self.preview = ModelInputsView()
        self.preview.tileClicked.connect(self._show_digit_bars)
        self._per_digit = None

        right = QVBoxLayout()
        right.addWidget(self.reading_label)
        right.addWidget(self.verdict_label)
        right.addSpacing(8)
        right.addWidget(self.bars, 1)
        right.addSpacing(8)
        right.addWidget(seen_title)
        right.addWidget(self.preview)
        panel = QFrame()
        panel.setLayout(right)
        panel.setMinimumWidth(260)
        panel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(panel, 1)
        self._show_nothing("Loading the model…")
        self._update_actions()

    # --- wiring ------------------------------------------------------------------------------

    def set_model(self, model) -> None:
        self._model_ready = True
        self.live.set_model(model)
        self._submitted = None
        self._canvas_changed()

    def set_threshold(self, threshold: float) -> None:
        self.threshold = float(threshold)
        if self.last_reading is not None:
            self._render_verdict(self.last_reading)

    def set_pen_width(self, width: int) -> None:
        self.pen_slider.setValue(int(width))
        self.canvas.set_pen_width(width)

    def set_active(self, active: bool) -> None:
        """Only the visible workspace owns Undo/Redo/Esc."""
        self._active = active
        self._update_actions()

    def _update_actions(self) -> None:
        self.undo_action.setEnabled(self._active and self.canvas.can_undo())
        self.redo_action.setEnabled(self._active and self.canvas.can_redo())
        self.clear_action.setEnabled(self._active)

    def set_mode(self, mode: str) -> None:
        i = self.mode_box.findData(mode)
        if i >= 0:
            self.mode_box.setCurrentIndex(i)

    def _mode_changed(self) -> None:
        self.live.mode = self.mode_box.currentData()
        self._canvas_changed()

    def _pen_changed(self, value: int) -> None:
        self.canvas.set_pen_width(value)
        self.penWidthChanged.emit(value)

    def shutdown(self) -> None:
        self.live.stop()

    # --- reading -----------------------------------------------------------------------------

    def _canvas_changed(self) -> None:
        if self.canvas.is_empty():
            self.last_reading = None
            self._submitted = None
            self._first_serial = self.live.last_serial + 1
            self._show_nothing("Write a digit or a number on the canvas." if self._model_ready else "Loading the model…")
            return
        gray, mode = self.canvas.render_gray(), self.live.mode
        last = self._submitted
        if last is not None and last[0] == mode and last[1].shape == gray.shape and (last[1] == gray).all():
            return  # its reading is shown already, or on its way
        self._submitted = (mode, gray)
        self.live.submit(gray)

    def _show_nothing(self, text: str) -> None:
        self.reading_label.setText("–")
        self.verdict_label.setText(text)
        self.bars.set_probabilities(None)
        self._per_digit = None
        self.preview.clear()
        self.canvas.set_boxes([])

    def _show_reading(self, result) -> None:
        reading, per_digit, message = result.reading, result.per_digit, result.message
        if self.canvas.is_empty() or result.serial < self._first_serial:
            return  # the user cleared the canvas while this was being read
        self.last_update_ms = result.elapsed_ms
        if reading is None:
            self.last_reading = None
            self._show_nothing(_sentence(message) or "Nothing to read yet.")
            return
        self.last_reading = reading
        self.reading_label.setText(reading.text or "?")
        self._render_verdict(reading)
        self._per_digit = per_digit
        shown = -1
        if per_digit is not None and len(per_digit):
            if len(per_digit) == 1:
                self.bars.set_probabilities(per_digit[0])
            else:
                confs = reading.digit_confidences
                shown = min(range(len(confs)), key=confs.__getitem__) if confs else 0
                shown = min(shown, len(per_digit) - 1)
                self._show_digit_bars(shown, least_sure=True)
        else:
            self.bars.set_probabilities(None)
        self.preview.set_inputs(reading.inputs, reading.text, shown, strip=reading.strip)
        labels = list(reading.text) if len(reading.text) == len(reading.boxes) else [""] * len(reading.boxes)
        self.canvas.set_boxes([(b.x, b.y, b.w, b.h, t) for b, t in zip(reading.boxes, labels)])

    def _show_digit_bars(self, k: int, least_sure: bool = False) -> None:
        """Bars for digit ``k`` of a number (clicking its tile in the preview picks it)."""
        if self._per_digit is None or not 0 <= k < len(self._per_digit) or len(self._per_digit) < 2:
            return
        what = "Least sure digit" if least_sure else "Digit"
        self.bars.set_probabilities(self._per_digit[k], f"{what}: #{k + 1} of {len(self._per_digit)} (click a tile below)")

    def _render_verdict(self, reading) -> None:
        kind = "number" if len(reading.text) > 1 else "digit"
        if reading.confidence < self.threshold:
            self.verdict_label.setText(
                f"Not sure: maybe {reading.text} ({reading.confidence:.0%} confident). "
                f"Try writing it more clearly."
            )
        else:
            self.verdict_label.setText(f"Reads as the {kind} {reading.text}, {reading.confidence:.0%} confident.")
        self.verdict_label.setProperty("unsure", reading.confidence < self.threshold)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".") if text else ""
