"""The template editor draws, names, moves and resizes fields and saves the CLI's template JSON."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF

from digitdesk.fields import load_template
from digitdesk.gui.template_editor import TemplateEditor

from .gui_helpers import mouse_stroke


@pytest.fixture
def sample_folder(tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    page = np.full((400, 1000), 235, np.uint8)
    page[300:304, 600:950] = 40                     # a printed line to write on
    Image.fromarray(page).save(folder / "a-sample.png")
    return folder


def _drag(editor, a, b):
    """Drag with the mouse on the page view from scene point ``a`` to ``b``."""
    view = editor.view
    pa, pb = view.mapFromScene(QPointF(*a)), view.mapFromScene(QPointF(*b))
    mouse_stroke(view.viewport(), [(pa.x(), pa.y()), (pb.x(), pb.y())], steps=8)


@pytest.fixture
def editor(qtbot, sample_folder):
    editor = TemplateEditor(None, sample_folder=str(sample_folder))
    qtbot.addWidget(editor)
    editor.resize(1300, 700)
    editor.show()
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.page_bounds().width() == 1000, timeout=5000)
    editor.view.fitInView(editor.page_bounds())
    return editor


def test_draw_name_move_resize_save_and_load(editor, qtbot, tmp_path):
    _drag(editor, (600, 200), (900, 300))                   # draw
    assert [f.name for f in editor.fields()] == ["field1"]
    item = editor.fields()[0]
    r = item.page_rect()
    assert r.left() == pytest.approx(600, abs=6) and r.width() == pytest.approx(300, abs=8)
    assert r.top() == pytest.approx(200, abs=6) and r.height() == pytest.approx(100, abs=8)

    editor.field_list.item(0).setText("amount")             # rename, as an in-place edit does
    assert item.name == "amount"
    editor.mode_box.setCurrentText("number")
    assert item.mode == "number"

    _drag(editor, (750, 250), (700, 230))                  # move by (-50, -20)
    r = item.page_rect()
    assert r.left() == pytest.approx(550, abs=8) and r.top() == pytest.approx(180, abs=8)
    assert r.width() == pytest.approx(300, abs=8)           # moving keeps the size

    corner = item.page_rect().bottomRight()
    _drag(editor, (corner.x(), corner.y()), (corner.x() + 100, corner.y() + 40))   # resize
    r = item.page_rect()
    assert r.width() == pytest.approx(400, abs=10) and r.height() == pytest.approx(140, abs=10)
    assert r.left() == pytest.approx(550, abs=8)            # the opposite corner stays put

    _drag(editor, (950, 20), (2000, 900))                  # a second field, clamped to the page
    assert len(editor.fields()) == 2
    second = editor.fields()[1].page_rect()
    assert second.right() <= 1000.5 and second.bottom() <= 400.5

    editor.name_edit.setText("cheque")
    path = editor.save(str(tmp_path / "cheque.json"))
    template = load_template(path)
    assert template.name == "cheque"
    amount = template.fields[0]
    assert (amount.name, amount.mode) == ("amount", "number")
    assert amount.x == pytest.approx(0.55, abs=0.01) and amount.y == pytest.approx(0.45, abs=0.02)
    assert amount.w == pytest.approx(0.40, abs=0.01) and amount.h == pytest.approx(0.35, abs=0.03)

    again = TemplateEditor(None, template_path=path)
    qtbot.addWidget(again)
    assert [(f.name, f.mode) for f in again.fields()] == [("amount", "number"), ("field2", "auto")]
    reloaded = again.template().fields[0]                   # on the blank page: same fractions
    assert (reloaded.x, reloaded.y, reloaded.w, reloaded.h) == pytest.approx(
        (amount.x, amount.y, amount.w, amount.h), abs=2e-4)


def test_duplicate_names_are_refused_and_delete_works(editor):
    _drag(editor, (100, 100), (200, 200))
    _drag(editor, (300, 100), (400, 200))
    editor.field_list.item(1).setText("field1")
    assert [f.name for f in editor.fields()] == ["field1", "field2"]
    assert "unique" in editor.status.text()
    editor.fields()[0].setSelected(True)
    editor.fields()[1].setSelected(False)
    editor.delete_selected()
    assert [f.name for f in editor.fields()] == ["field2"]
