"""The Draw workspace: mouse strokes are read, undo/redo/clear work, empty and unsure are said."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from digitdesk.gui.canvas import PAPER_H, PAPER_W, DrawingCanvas
from digitdesk.gui.draw_page import DrawPage

from .gui_helpers import draw_digit_image, mouse_stroke, paper_to_widget, show_widget


@pytest.fixture
def page(qtbot):
    page = show_widget(qtbot, DrawPage(), 900, 500)
    yield page
    page.shutdown()


@pytest.fixture
def ready_page(page, model_path, qtbot):
    from digitdesk.model import shared_model

    page.set_model(shared_model(model_path))
    return page


def _stroke_paper(canvas, points):
    mouse_stroke(canvas, [paper_to_widget(canvas, x, y) for x, y in points])


def _wait_reading(qtbot, page, text=None):
    def check():
        assert page.last_reading is not None
        if text is not None:
            assert page.last_reading.text == text
    qtbot.waitUntil(check, timeout=5000)


def test_mouse_strokes_become_ink_and_undo_redo_clear(qtbot):
    canvas = show_widget(qtbot, DrawingCanvas(), 600, 300)
    assert canvas.is_empty() and not canvas.can_undo()
    assert canvas.render_gray().max() == 0.0

    _stroke_paper(canvas, [(300, 60), (300, 300)])
    assert len(canvas.strokes) == 1
    gray = canvas.render_gray()
    assert gray.shape == (int(PAPER_H) // 3, int(PAPER_W) // 3)
    cols = np.flatnonzero(gray.max(axis=0) > 0.5)
    assert 95 <= cols.min() and cols.max() <= 105          # a vertical stroke near x = 300 / 3
    assert gray[:, :80].max() == 0.0

    _stroke_paper(canvas, [(100, 100), (200, 100)])
    assert len(canvas.strokes) == 2
    canvas.undo()
    assert len(canvas.strokes) == 1 and canvas.can_redo()
    canvas.redo()
    assert len(canvas.strokes) == 2 and not canvas.can_redo()

    canvas.clear()
    assert canvas.is_empty() and canvas.render_gray().max() == 0.0
    canvas.undo()                                           # clearing is undoable
    assert len(canvas.strokes) == 2
    canvas.undo()
    _stroke_paper(canvas, [(500, 100), (500, 200)])         # a new stroke drops the redo branch
    assert not canvas.can_redo() and len(canvas.strokes) == 2


def test_keyboard_shortcuts_undo_and_clear(page, qtbot):
    canvas = page.canvas
    _stroke_paper(canvas, [(300, 60), (300, 300)])
    _stroke_paper(canvas, [(400, 60), (400, 300)])
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    _stroke_paper(canvas, [(300, 60), (300, 300)])
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert canvas.is_empty()


def test_pen_width_applies_to_new_strokes(page):
    page.set_pen_width(40)
    _stroke_paper(page.canvas, [(300, 60), (300, 300)])
    assert page.canvas.strokes[-1].width == 40
    wide = (page.canvas.render_gray()[100] > 0.5).sum()
    page.canvas.clear()
    page.set_pen_width(10)
    _stroke_paper(page.canvas, [(300, 60), (300, 300)])
    assert (page.canvas.render_gray()[100] > 0.5).sum() < wide


def test_drawn_one_reads_as_one_with_bars_and_preview(ready_page, qtbot):
    page = ready_page
    assert page.last_reading is None and page.bars.probabilities() is None
    _stroke_paper(page.canvas, [(360, 50), (358, 180), (356, 310)])
    _wait_reading(qtbot, page, "1")
    assert page.bars.winner() == 1
    assert page.preview.tile_count() == 1
    assert page.canvas.box_labels() == ["1"]
    page.canvas.clear()
    qtbot.waitUntil(lambda: page.last_reading is None)
    assert page.bars.probabilities() is None
    assert page.reading_label.text() == "–"


def test_mnist_digits_redrawn_with_the_mouse_are_read(ready_page, mnist, qtbot):
    """Each test digit is redrawn stroke by stroke; most must read as their label."""
    page = ready_page
    page.set_mode("digit")
    images, labels = mnist
    picks = [int(np.flatnonzero(labels == d)[0]) for d in range(10)]
    page.set_pen_width(14)     # about one MNIST pixel and a half at 10 paper units per pixel
    right, read = 0, []
    for i in picks:
        page.canvas.clear()
        draw_digit_image(page.canvas, images[i], left=220, top=40, cell=10)
        _wait_reading(qtbot, page)
        qtbot.waitUntil(lambda: not page.canvas._drawing, timeout=1000)
        qtbot.wait(50)  # let the reading of the last stroke arrive
        read.append(page.last_reading.text)
        right += page.last_reading.text == str(labels[i])
    assert right >= 8, f"only {right}/10 redrawn MNIST digits were read correctly: {read}"


def test_unsure_reading_says_so(ready_page, qtbot):
    page = ready_page
    _stroke_paper(page.canvas, [(300, 60), (300, 300)])
    _wait_reading(qtbot, page)
    page.set_threshold(1.01)               # nothing is ever that sure
    assert "not sure" in page.verdict_label.text().lower()
    page.set_threshold(0.0)
    assert "not sure" not in page.verdict_label.text().lower()


def test_two_digits_read_as_a_number_with_a_box_each(ready_page, qtbot):
    pytest.importorskip("digitdesk.numbers")
    page = ready_page
    _stroke_paper(page.canvas, [(200, 50), (200, 310)])                       # 1
    _stroke_paper(page.canvas, [(380, 60), (520, 60), (470, 180), (430, 310)])  # 7
    _wait_reading(qtbot, page)
    qtbot.waitUntil(lambda: len(page.last_reading.text) == 2, timeout=5000)
    assert page.last_reading.text == "17"
    assert page.canvas.box_labels() == ["1", "7"]
    assert page.preview.tile_count() == 2
    tile = page.preview._tile_rect(1).center().toPoint()
    qtbot.mouseClick(page.preview, Qt.MouseButton.LeftButton, pos=tile)     # the 7's tile
    assert page.preview.selected == 1 and page.bars.winner() == 7
    qtbot.mouseClick(page.preview, Qt.MouseButton.LeftButton, pos=page.preview._tile_rect(0).center().toPoint())
    assert page.bars.winner() == 1


def test_touch_and_pen_strokes_draw_too(qtbot):
    from PySide6.QtCore import QEvent, QPoint, QPointF
    from PySide6.QtGui import QPointingDevice, QTabletEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    canvas = show_widget(qtbot, DrawingCanvas(), 600, 300)

    touch = QTest.createTouchDevice()
    a, b = paper_to_widget(canvas, 200, 60), paper_to_widget(canvas, 200, 300)
    seq = QTest.touchEvent(canvas, touch)
    seq.press(0, QPoint(int(a[0]), int(a[1])), canvas).commit()
    for k in range(1, 6):
        y = a[1] + (b[1] - a[1]) * k / 5
        QTest.touchEvent(canvas, touch).move(0, QPoint(int(a[0]), int(y)), canvas).commit()
    QTest.touchEvent(canvas, touch).release(0, QPoint(int(b[0]), int(b[1])), canvas).commit()
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0].points) >= 5

    pen = QPointingDevice.primaryPointingDevice()
    def tablet(kind, x, y, buttons):
        event = QTabletEvent(kind, pen, QPointF(x, y), QPointF(canvas.mapToGlobal(QPoint(int(x), int(y)))),
                             0.8, 0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                             Qt.MouseButton.LeftButton, buttons)
        QApplication.sendEvent(canvas, event)
        return event
    c, d = paper_to_widget(canvas, 400, 60), paper_to_widget(canvas, 500, 300)
    assert tablet(QEvent.Type.TabletPress, *c, Qt.MouseButton.LeftButton).isAccepted()
    for k in range(1, 6):
        tablet(QEvent.Type.TabletMove, c[0] + (d[0] - c[0]) * k / 5, c[1] + (d[1] - c[1]) * k / 5, Qt.MouseButton.LeftButton)
    tablet(QEvent.Type.TabletRelease, *d, Qt.MouseButton.NoButton)
    assert len(canvas.strokes) == 2
    gray = canvas.render_gray()
    assert gray[:, 400 // 3 - 2 : 500 // 3 + 2].max() > 0.5      # the pen's diagonal is ink


def _count_submissions(page):
    submitted = []
    submit = page.live.submit
    page.live.submit = lambda gray: submitted.append(gray) or submit(gray)
    return submitted


def test_the_same_picture_is_not_read_twice(ready_page, qtbot):
    """A stroke's release, or a redraw of what is there, hands the reader nothing new."""
    page = ready_page
    submitted = _count_submissions(page)
    canvas = page.canvas
    _stroke_paper(canvas, [(360, 50), (358, 180), (356, 310)])
    _wait_reading(qtbot, page, "1")
    count = len(submitted)
    assert count >= 2                                       # the press and the moves are read
    assert all(not np.array_equal(a, b) for a, b in zip(submitted, submitted[1:]))
    canvas.changed.emit()                                    # nothing new on the paper
    assert len(submitted) == count
    page.set_mode("number")                                  # another mode: read again
    assert len(submitted) == count + 1
    page.set_mode("auto")
    canvas.clear()
    qtbot.waitUntil(lambda: page.last_reading is None)
    canvas.undo()                                            # the same ink after a clear: read again
    assert len(submitted) == count + 3
    _wait_reading(qtbot, page, "1")
    assert page.canvas.box_labels() == ["1"]


def test_a_reading_of_a_cleared_drawing_is_not_shown(ready_page, qtbot):
    from digitdesk.gui.live_reader import LiveResult

    page = ready_page
    _stroke_paper(page.canvas, [(360, 50), (358, 180), (356, 310)])
    _wait_reading(qtbot, page, "1")
    old = page.live.last_serial
    stale = LiveResult(page.last_reading, None, "", 1.0, old)
    page.canvas.clear()
    _stroke_paper(page.canvas, [(200, 60), (520, 60)])        # something else, being read
    page.last_reading = None
    page._show_reading(stale)                                # the 1 arrives late: not shown
    assert page.last_reading is None and page.canvas.box_labels() != ["1"]
    _wait_reading(qtbot, page)


def _color_at(canvas, x, y):
    """The colour the canvas shows at paper point (x, y)."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor

    p = canvas.from_paper(QPointF(x, y))
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    return QColor(image.pixel(int(p.x() * ratio), int(p.y() * ratio))).name()


def test_the_canvas_shows_what_is_drawn_after_undo_resize_and_palette_change(qtbot):
    from PySide6.QtGui import QPalette

    canvas = show_widget(qtbot, DrawingCanvas(), 600, 300)
    pal = canvas.palette()
    ink, paper = pal.color(QPalette.ColorRole.Text).name(), pal.color(QPalette.ColorRole.Base).name()
    _stroke_paper(canvas, [(300, 60), (300, 300)])
    assert _color_at(canvas, 300, 180) == ink and _color_at(canvas, 100, 180) == paper
    canvas.undo()
    assert _color_at(canvas, 300, 180) == paper
    canvas.redo()
    assert _color_at(canvas, 300, 180) == ink
    canvas.resize(900, 300)                                  # the paper moves within the widget
    assert _color_at(canvas, 300, 180) == ink and _color_at(canvas, 100, 180) == paper
    pal.setColor(QPalette.ColorRole.Text, Qt.GlobalColor.red)
    canvas.setPalette(pal)
    assert _color_at(canvas, 300, 180) == "#ff0000"
    _stroke_paper(canvas, [(100, 60), (100, 300)])
    assert _color_at(canvas, 100, 180) == "#ff0000"


def test_a_mouse_move_repaints_all_that_the_stroke_changed(qtbot):
    """Only the end of the stroke is repainted on a move: it must hold every changed pixel."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QImage, QPainter

    from digitdesk.gui.canvas import _pen, stroke_path
    from digitdesk.gui.qt_images import qimage_to_array

    canvas = show_widget(qtbot, DrawingCanvas(), 700, 350)
    canvas.set_pen_width(30)

    def drawn(points):
        image = QImage(canvas.size(), QImage.Format.Format_Grayscale8)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        canvas._to_paper(painter)
        painter.setPen(_pen(Qt.GlobalColor.white, canvas.pen_width))
        painter.drawPath(stroke_path(points))
        painter.end()
        return qimage_to_array(image)

    rng = np.random.default_rng(5)
    canvas._begin(canvas.from_paper(QPointF(360, 180)))
    for _ in range(40):                                      # sharp turns, long and short moves
        last = canvas._current[-1]
        step = rng.normal(0, 60, 2)
        target = QPointF(min(max(last.x() + step[0], 0), 720), min(max(last.y() + step[1], 0), 360))
        before = list(canvas._current)
        canvas._extend(canvas.from_paper(target))
        if len(canvas._current) == len(before):
            continue
        changed = np.argwhere(drawn(before) != drawn(canvas._current))
        rect = canvas._last_segment_rect()
        assert all(rect.contains(int(x), int(y)) for y, x in changed)
    canvas._end()


def test_the_string_models_strip_is_shown_when_it_gave_the_reading(qtbot, monkeypatch):
    """No per-digit tiles exist when the string model's reading wins: the preview and the
    Images workspace show the strip it saw instead of nothing."""
    from digitdesk.gui import reading as gui_reading
    from digitdesk.gui.images_page import read_gray_item
    from digitdesk.gui.model_inputs_view import ModelInputsView
    from digitdesk.recognize import Reading

    strip = np.zeros((32, 256), np.float32)
    strip[4:28, 20:40] = 1.0
    view = show_widget(qtbot, ModelInputsView(), 300, 120)
    view.set_inputs([], "5044", strip=strip)
    assert view.shows_strip() and view.tile_count() == 0 and view.heightForWidth(248) == 31 + 16
    shot = view.grab().toImage()
    assert shot.pixelColor(30 * 248 // 256, 16).lightness() > 200  # the ink, white on black
    view.set_inputs([np.zeros((28, 28), np.float32)], "7", strip=strip)
    assert not view.shows_strip() and view.tile_count() == 1  # tiles, when there are some

    read = Reading("5044", 0.48, "number", digit_confidences=(0.9,) * 4, strip=strip)
    monkeypatch.setattr(gui_reading, "read_picture", lambda gray, model, mode="auto": read)
    item = read_gray_item(np.full((40, 160), 0.9, np.float32), "amount.png", model=None, threshold=0.9)
    assert item.text == "5044" and not item.strip.isNull()
    assert (item.strip.width(), item.strip.height()) == (192, 24)  # whole, in the column
