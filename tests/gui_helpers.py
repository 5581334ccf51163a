"""Helpers for the GUI tests: real mouse strokes on the canvas, drops, folders of digit pictures."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication


def show_widget(qtbot, widget, width: int, height: int):
    """Hand ``widget`` to qtbot (closed after the test), size it and wait until it is on screen."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _mouse(widget, kind, pos: QPointF, button, buttons) -> None:
    global_pos = QPointF(widget.mapToGlobal(pos.toPoint()))
    event = QMouseEvent(kind, pos, global_pos, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def mouse_stroke(widget, points: Sequence[tuple[float, float]], steps: int = 6) -> None:
    """Press, drag through ``points`` (widget pixels, interpolated) and release the left button."""
    left = Qt.MouseButton.LeftButton
    pts = [QPointF(x, y) for x, y in points]
    _mouse(widget, QEvent.Type.MouseButtonPress, pts[0], left, left)
    for a, b in zip(pts, pts[1:]):
        for k in range(1, steps + 1):
            _mouse(widget, QEvent.Type.MouseMove, a + (b - a) * (k / steps), Qt.MouseButton.NoButton, left)
    _mouse(widget, QEvent.Type.MouseButtonRelease, pts[-1], left, Qt.MouseButton.NoButton)


def paper_to_widget(canvas, x: float, y: float) -> tuple[float, float]:
    p = canvas.from_paper(QPointF(x, y))
    return p.x(), p.y()


def draw_digit_image(canvas, digit: np.ndarray, left: float, top: float, cell: float) -> int:
    """Redraw a 28x28 digit with the mouse, one stroke per run of ink in each pixel row.

    ``left``/``top``/``cell`` are in paper units. Returns the number of strokes drawn.
    """
    strokes = 0
    ink = np.asarray(digit) > 100
    for row in range(ink.shape[0]):
        cols = np.flatnonzero(ink[row])
        if not cols.size:
            continue
        runs = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
        for run in runs:
            y = top + (row + 0.5) * cell
            x0, x1 = left + (run[0] + 0.5) * cell, left + (run[-1] + 0.5) * cell
            mouse_stroke(canvas, [paper_to_widget(canvas, x0, y), paper_to_widget(canvas, x1, y)], steps=2)
            strokes += 1
    return strokes


def drop_urls(widget, paths: Sequence[Path]) -> QDropEvent:
    """Deliver a drag-enter and a drop of local files on ``widget``, as a file manager would."""
    from PySide6.QtGui import QDragEnterEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(widget.width() // 2, widget.height() // 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(pos), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def write_digit_files(folder: Path, images: Sequence[np.ndarray], prefix: str = "d") -> list[Path]:
    """Save MNIST-like digits as black-on-white PNGs, as a scanner would give them."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        path = folder / f"{prefix}{i:05d}.png"
        Image.fromarray(255 - np.asarray(img, dtype=np.uint8)).resize((56, 56)).save(path)
        paths.append(path)
    return paths
