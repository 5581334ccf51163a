"""The main window: drops and paste reach the Images workspace, settings survive a restart."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from digitdesk.gui.main_window import BATCH, DRAW, IMAGES, MainWindow

from .gui_helpers import drop_urls, write_digit_files


def _window(qtbot, model_path=None) -> MainWindow:
    win = MainWindow(model_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot, model_path):
    win = _window(qtbot, model_path)
    win.start_model()
    qtbot.waitUntil(lambda: win.provider.model is not None, timeout=20000)
    yield win
    win.close()


def test_dropping_files_and_a_folder_reads_them_in_images(window, qtbot, tmp_path, mnist):
    images, labels = mnist
    files = write_digit_files(tmp_path / "loose", images[:3], "loose")
    folder = tmp_path / "folder"
    write_digit_files(folder / "inner", images[3:6], "inner")       # read recursively
    (folder / "notes.txt").write_text("not a picture")               # skipped: not an image name
    (tmp_path / "broken.png").write_bytes(b"not really a png")

    window.tabs.setCurrentIndex(DRAW)
    drop = drop_urls(window, [*files, folder, tmp_path / "broken.png"])
    assert drop.isAccepted()
    assert window.tabs.currentIndex() == IMAGES
    page = window.images_page
    qtbot.waitUntil(lambda: len(page.table_model.items) == 7 and not page.is_busy(), timeout=20000)
    items = {item.name: item for item in page.table_model.items}
    read = [items[p.name] for p in files]
    assert sum(i.text == str(labels[k]) for k, i in enumerate(read)) >= 2
    assert all(not i.thumb.isNull() for i in read)
    assert all(not i.strip.isNull() for i in read)                  # the 28x28 the model saw
    broken = [i for i in page.table_model.items if i.name.endswith("broken.png")][0]
    assert broken.status == "error" and broken.message                # a message, not a crash
    assert page.table_model.data(page.table_model.index(0, 3)) != ""


def test_drag_of_plain_text_is_refused(window):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QDragEnterEvent

    mime = QMimeData()
    mime.setText("hello")
    event = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert not event.isAccepted()


def test_pasting_a_picture_reads_it(window, qtbot, mnist):
    images, labels = mnist
    digit = 255 - images[0]                                          # black ink on white
    image = QImage(np.ascontiguousarray(digit).data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    QApplication.clipboard().setImage(image)
    window.paste_action.trigger()
    assert window.tabs.currentIndex() == IMAGES
    page = window.images_page
    qtbot.waitUntil(lambda: len(page.table_model.items) == 1 and not page.is_busy(), timeout=10000)
    item = page.table_model.items[0]
    assert item.name == "Pasted picture"
    assert item.text == str(labels[0])


def test_settings_are_restored(qtbot, tmp_path):
    first = _window(qtbot)
    first.resize(720, 520)   # within the offscreen screen (800x600), which restoring clamps to
    first.draw_page.set_pen_width(33)
    first.tabs.setCurrentIndex(BATCH)
    first.batch_page.set_folder(str(tmp_path))
    first.batch_page.recursive_box.setChecked(True)
    first.batch_page.set_mode("digit")
    first.batch_page.threshold_box.setValue(75.0)              # a person's threshold is kept
    first._folder_used(str(tmp_path))                          # as a finished batch would
    first.close()

    second = _window(qtbot)
    try:
        assert (second.size().width(), second.size().height()) == (720, 520)
        assert second.draw_page.canvas.pen_width == 33
        assert second.draw_page.pen_slider.value() == 33
        assert second.tabs.currentIndex() == BATCH
        assert second.batch_page.folder() == str(tmp_path)
        assert second.batch_page.recursive_box.isChecked()
        assert second.batch_page.mode() == "digit"
        assert second.batch_page.threshold() == pytest.approx(0.75)
        assert second.draw_page.threshold == pytest.approx(0.75)
        recent = [a.text() for a in second.recent_menu.actions() if a.text() and not a.isSeparator()]
        assert str(tmp_path) in recent
    finally:
        second.close()


def test_missing_model_is_a_message_not_a_crash(qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    win = _window(qtbot, str(tmp_path / "missing.onnx"))
    win.start_model()
    qtbot.waitUntil(lambda: bool(win.provider.error), timeout=10000)
    assert "not found" in win.provider.error
    box = win.findChild(QMessageBox, "model-error")
    assert box is not None and box.isVisible() and "could not be loaded" in box.text()
    assert win.model_label.text() == "No model"
    win.close()


def test_about_box_shows_the_model_card(window):
    from digitdesk.gui.about import about_text

    text = about_text({"accuracy": 0.9912, "date": "2025-06-01", "sha256": "ab" * 32})
    assert "99.12%" in text and "2025-06-01" in text and "ab" * 32 in text
    card = window.provider.model.card
    text = about_text(card, str(window.provider.model.path))
    if card:                                    # today's card layout: test/onnx sections
        assert "Accuracy" in text and "SHA-256" in text
        assert "matches the model card" in text
    box = window.show_about()
    assert box is None or True
    dialog = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "About digitdesk"]
    assert dialog and "Model card" in dialog[0].text()
    dialog[0].close()


def test_self_check_passes_with_a_model_and_fails_without(model_path, tmp_path, qapp):
    import io

    from digitdesk.self_check import self_check

    out = io.StringIO()
    assert self_check(model_path, out) == 0, out.getvalue()
    assert "self-check passed" in out.getvalue() and "main window" in out.getvalue()
    bad = io.StringIO()
    assert self_check(str(tmp_path / "none.onnx"), bad) == 1
    assert "FAIL  model loads" in bad.getvalue()


def test_uncaught_errors_become_a_dialog_and_the_app_goes_on(qtbot, capsys):
    import sys

    from PySide6.QtWidgets import QMessageBox

    from digitdesk.gui import errors

    reporter = errors.install()
    try:
        try:
            raise ValueError("the flux capacitor is empty")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        qtbot.waitUntil(lambda: reporter.shown == ["ValueError: the flux capacitor is empty"])
        boxes = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and "flux capacitor" in w.text()]
        assert boxes and "still running" in boxes[0].text()
        assert "Traceback" in boxes[0].detailedText()          # details only behind the button
        assert "Traceback" not in boxes[0].text()
        for box in boxes:
            box.close()
    finally:
        errors.uninstall()
    assert "ValueError" in capsys.readouterr().err              # and logged for a bug report


def test_draw_mode_is_remembered(qtbot):
    first = _window(qtbot)
    first.draw_page.set_mode("number")
    first.close()
    second = _window(qtbot)
    assert second.draw_page.mode_box.currentData() == "number"
    assert second.draw_page.live.mode == "number"
    second.close()


def test_gui_status_names_are_the_cores():
    from digitdesk import results
    from digitdesk.gui import statuses

    assert statuses.STATUSES == results.STATUSES
    assert (statuses.OK, statuses.REVIEW, statuses.ERROR, statuses.CORRECTED) == (
        results.OK, results.REVIEW, results.ERROR, results.CORRECTED)


def test_the_window_module_does_not_load_numpy_scipy_or_onnxruntime():
    """They load on the model thread after the window shows (start-up budget: 1 s)."""
    import subprocess
    import sys

    code = ("import sys, digitdesk.gui.app, digitdesk.gui.main_window; "
            "print(sorted(m for m in ('numpy', 'scipy', 'onnxruntime', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"


def test_a_folder_dropped_on_batch_becomes_the_folder_to_read(qtbot, tmp_path):
    win = _window(qtbot)
    win.tabs.setCurrentIndex(BATCH)
    drop = drop_urls(win, [tmp_path])
    assert drop.isAccepted()
    assert win.tabs.currentIndex() == BATCH and win.batch_page.folder() == str(tmp_path)
    assert win.images_page.table_model.items == []
    win.close()


def test_pictures_waiting_for_a_model_that_fails_say_so(qtbot, tmp_path, mnist):
    images, _ = mnist
    files = write_digit_files(tmp_path, images[:2])
    win = _window(qtbot, str(tmp_path / "missing.onnx"))
    win.add_pictures([str(f) for f in files])           # before the model has even started
    win.start_model()
    page = win.images_page
    qtbot.waitUntil(lambda: len(page.table_model.items) == 1 and not page.is_busy(), timeout=10000)
    assert "model could not be loaded" in page.table_model.items[0].message
    win.add_pictures([str(files[0])])                    # and later ones too
    assert "model could not be loaded" in page.table_model.items[1].message
    win.close()
