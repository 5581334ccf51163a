"""``digitdesk FILE... | FOLDER``: what the command line (and the desktop entry's %F) opens.

Pictures are read in the Images workspace, a folder waits in Batch (not started), a bad path is a
row and a status-bar message, never a crash; ``classify``, ``--self-check`` and ``--version`` are
dispatched as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitdesk.gui.app import launch_paths, open_window
from digitdesk.gui.main_window import BATCH, IMAGES

from .gui_helpers import write_digit_files

REPO = Path(__file__).resolve().parents[1]


def _open(qtbot, model_path, arguments):
    win = open_window(model_path, [str(a) for a in arguments])
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    return win


def _read_all(win, qtbot, count):
    page = win.images_page
    win.start_model()
    qtbot.waitUntil(lambda: len(page.table_model.items) == count and not page.is_busy(), timeout=20000)
    return {item.name: item for item in page.table_model.items}


def test_pictures_named_on_the_command_line_are_read_in_images(qtbot, model_path, tmp_path, mnist):
    images, labels = mnist
    first, second = write_digit_files(tmp_path, images[:2])
    second_jpg = second.with_suffix(".jpg")
    from PIL import Image

    Image.open(second).convert("L").save(second_jpg)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")

    win = _open(qtbot, model_path, [first, second_jpg.as_uri(), tmp_path / "missing.png", notes])
    assert win.tabs.currentIndex() == IMAGES
    assert "Not found: missing.png." in win.statusBar().currentMessage()
    items = _read_all(win, qtbot, 4)
    assert items[first.name].text == str(labels[0]) and items[first.name].status != "error"
    assert items[second_jpg.name].text == str(labels[1])        # a file: URL is a path too
    assert items["missing.png"].status == "error" and items["missing.png"].message == "file not found"
    assert items["notes.txt"].status == "error" and items["notes.txt"].message
    assert win.batch_page.folder() != str(tmp_path)                # files do not touch Batch
    win.close()


def test_a_folder_named_on_the_command_line_waits_in_batch(qtbot, tmp_path, mnist, monkeypatch):
    images, _ = mnist
    write_digit_files(tmp_path / "scans", images[:3])
    monkeypatch.chdir(tmp_path)
    win = _open(qtbot, None, ["scans"])                            # relative to where it was started
    assert win.tabs.currentIndex() == BATCH
    assert win.batch_page.folder() == str(tmp_path / "scans")
    assert not win.batch_page.is_running()                        # ready, not started
    assert win.batch_page.results_model.rowCount() == 0
    assert win.images_page.table_model.items == []
    assert "Folder to read:" in win.statusBar().currentMessage()
    win.close()


def test_pictures_and_folders_together(qtbot, model_path, tmp_path, mnist):
    images, labels = mnist
    (picture,) = write_digit_files(tmp_path / "loose", images[:1])
    first, other = tmp_path / "first", tmp_path / "other"
    first.mkdir()
    other.mkdir()
    win = _open(qtbot, model_path, [first, picture, other])
    assert win.tabs.currentIndex() == IMAGES                       # what is being read shows
    assert win.batch_page.folder() == str(first)
    message = win.statusBar().currentMessage()
    assert f"Folder to read: {first}" in message and f"not opened: {other}" in message
    items = _read_all(win, qtbot, 1)
    assert items[picture.name].text == str(labels[0])
    assert not win.batch_page.is_running()
    win.close()


def test_launch_paths_are_absolute_and_skip_options(tmp_path, monkeypatch, capsys, qapp):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-odd.png").write_bytes(b"")
    got = launch_paths(["a.png", "--frobnicate", "-odd.png", (tmp_path / "b c.png").as_uri(), "sub/"])
    assert got == [str(tmp_path / "a.png"), str(tmp_path / "-odd.png"), str(tmp_path / "b c.png"),
                   str(tmp_path / "sub")]
    assert "unknown option --frobnicate ignored" in capsys.readouterr().err


# --- the entry point -------------------------------------------------------------------------


def test_the_entry_point_dispatches_as_before(monkeypatch, capsys):
    import digitdesk.__main__ as entry
    import digitdesk.cli
    import digitdesk.gui.app
    import digitdesk.self_check

    calls = []
    monkeypatch.setattr(digitdesk.gui.app, "run", lambda model, argv: calls.append(("gui", model, argv)) or 0)
    monkeypatch.setattr(digitdesk.self_check, "self_check", lambda model: calls.append(("check", model)) or 0)
    monkeypatch.setattr(digitdesk.cli, "main", lambda argv: calls.append(("classify", argv)) or 0)

    assert entry.main(["a.png", "--model", "m.onnx", "-style", "fusion", "b.png"]) == 0
    assert entry.main(["--self-check", "a.png"]) == 0
    assert entry.main(["classify", "scans", "--mode", "digit"]) == 0
    assert entry.main([]) == 0
    prog = sys.argv[0] if sys.argv else "digitdesk"
    assert calls == [
        ("gui", "m.onnx", [prog, "a.png", "-style", "fusion", "b.png"]),   # paths keep their order
        ("check", None),
        ("classify", ["scans", "--mode", "digit"]),
        ("gui", None, [prog]),
    ]
    with pytest.raises(SystemExit) as exit_:
        entry.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("digitdesk ")


_END_TO_END = """
import json, sys
from PySide6.QtTest import QTest
import digitdesk.gui.app as app_module
from digitdesk.gui.main_window import MainWindow

class App(app_module.QApplication):
    def exec(self):       # instead of the event loop: wait for the readings, report, quit
        win = next(w for w in self.topLevelWidgets() if isinstance(w, MainWindow))
        page = win.images_page
        for _ in range(600):
            QTest.qWait(50)
            if win.provider.model is not None and not page.is_busy():
                break
        print(json.dumps({"arguments": self.arguments()[1:], "workspace": win.tabs.currentIndex(),
                          "folder": win.batch_page.folder(), "running": win.batch_page.is_running(),
                          "items": [[i.name, i.text, i.status, i.message] for i in page.table_model.items]}))
        win.close()
        return 0

app_module.QApplication = App
from digitdesk.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_digitdesk_files_and_a_folder_end_to_end(tmp_path, mnist, model_path):
    """The real entry point with Qt options mixed in: Qt takes its own, the window gets the rest."""
    images, labels = mnist
    pictures = write_digit_files(tmp_path / "loose", images[:2])
    folder = tmp_path / "scans"
    folder.mkdir()
    argv = [str(pictures[0]), "-platform", "offscreen", "--model", model_path, "-style", "fusion",
            str(pictures[1]), str(folder), str(tmp_path / "gone.png")]
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", _END_TO_END, *argv], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    state = json.loads(proc.stdout.strip().splitlines()[-1])
    assert state["arguments"] == [str(pictures[0]), str(pictures[1]), str(folder), str(tmp_path / "gone.png")]
    assert state["workspace"] == IMAGES and state["folder"] == str(folder) and not state["running"]
    items = {name: (text, status, message) for name, text, status, message in state["items"]}
    assert items[pictures[0].name][0] == str(labels[0])
    assert items[pictures[1].name][0] == str(labels[1])
    assert items["gone.png"] == ("", "error", "file not found")


def test_the_desktop_entry_offers_every_picture_format_the_app_reads():
    """Open With digitdesk (Exec=digitdesk %F) is offered for each format loading.py decodes."""
    import configparser
    import mimetypes

    from digitdesk.formats import IMAGE_EXTENSIONS

    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string((REPO / "resources" / "digitdesk.desktop").read_text(encoding="utf-8"))
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == "digitdesk %F"
    offered = set(filter(None, entry["MimeType"].split(";")))
    known = {mimetypes.guess_type(f"a{ext}")[0] for ext in IMAGE_EXTENSIONS} - {None}
    assert known <= offered, sorted(known - offered)
