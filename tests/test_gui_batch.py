"""The Batch workspace: progress, cancel that keeps rows, review filter, inline correction, export."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from digitdesk.csv_export import CSV_COLUMNS, read_csv
from digitdesk.gui.batch_page import BatchPage
from digitdesk.gui.results_model import CONFIDENCE, READING, STATUS, ResultsFilter, ResultsModel
from digitdesk.results import CORRECTED, ERROR, OK, REVIEW, Result

from .gui_helpers import write_digit_files


@pytest.fixture
def page(qtbot, model_path):
    page = BatchPage()
    page.model_path = model_path
    page.workers = 1                 # in-process: no worker start-up in tests
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    yield page
    page.shutdown()


@pytest.fixture
def digit_folder(tmp_path, mnist):
    images, _ = mnist
    folder = tmp_path / "scans"
    write_digit_files(folder, images[:22])
    (folder / "zz-broken.png").write_bytes(b"\x89PNG but not really")
    (folder / "zz-blank.png").write_bytes(_blank_png())
    return folder


def _blank_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (40, 40), 255).save(out, format="PNG")
    return out.getvalue()


def _run(page, qtbot, folder, timeout=60000):
    page.set_folder(str(folder))
    progress = []
    page.runner.progressed.connect(progress.append)
    with qtbot.waitSignal(page.batchFinished, timeout=timeout) as finished:
        assert page.start()
        assert not page.run_button.isEnabled() and page.cancel_button.isEnabled()
    return progress, finished.args[0]


def test_batch_reads_a_folder_with_progress_and_exports_the_cli_csv(page, qtbot, digit_folder, tmp_path, model_path):
    progress, cancelled = _run(page, qtbot, digit_folder)
    assert not cancelled
    model = page.results_model
    assert model.rowCount() == 24
    assert progress and progress[-1].files_done == progress[-1].files_total == 24
    assert page.progress_bar.value() == page.progress_bar.maximum()
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    statuses = {r.file: r.status for r in model.results()}
    assert statuses["zz-broken.png"] == ERROR and statuses["zz-blank.png"] == ERROR
    assert sum(s in (OK, REVIEW) for s in statuses.values()) == 22
    assert "24 rows" in page.summary_label.text()

    exported = page.export_csv(str(tmp_path / "gui.csv"))
    rows = read_csv(exported)
    assert list(rows[0].keys()) == list(CSV_COLUMNS) and len(rows) == 24

    # Exactly what `digitdesk classify` writes for the same folder and threshold.
    from digitdesk.cli import main as classify

    cli_csv = tmp_path / "cli.csv"
    code = classify([str(digit_folder), "-o", str(cli_csv), "--workers", "1", "--model", model_path,
                     "--review-below", str(page.threshold()), "-q"])
    assert code in (0, 1)
    assert (tmp_path / "gui.csv").read_bytes() == cli_csv.read_bytes()


def test_a_batch_that_stops_on_an_error_says_so_without_blocking(page, qtbot, digit_folder, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    page.model_path = str(tmp_path / "none.onnx")          # the batch cannot even load its model
    _, cancelled = _run(page, qtbot, digit_folder)          # batchFinished still comes
    assert not cancelled and page.eta_label.text() == "Stopped by an error"
    box = page.findChild(QMessageBox, "batch-error")
    assert box is not None and box.isVisible() and box.text().startswith("The batch stopped:")
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    box.close()


def test_cancel_keeps_the_rows_read_so_far(page, qtbot, tmp_path, mnist):
    images, _ = mnist
    folder = tmp_path / "many"
    write_digit_files(folder, images[:400])
    page.set_folder(str(folder))
    with qtbot.waitSignal(page.batchFinished, timeout=60000) as finished:
        assert page.start()
        qtbot.waitUntil(lambda: page.results_model.rowCount() > 0, timeout=30000)
        page.cancel()
        assert "Cancelling" in page.eta_label.text()
    assert finished.args == [True]
    n = page.results_model.rowCount()
    assert 0 < n < 400
    assert page.eta_label.text() == "Cancelled"
    assert page.export_button.isEnabled()
    rows = read_csv(page.export_csv(str(tmp_path / "partial.csv")))
    assert len(rows) == n
    assert [r["file"] for r in rows] == sorted(r["file"] for r in rows)   # batch order, a prefix
    assert rows[0]["file"] == "d00000.png"


def test_review_filter_inline_correction_and_export(page, qtbot, digit_folder, tmp_path):
    _run(page, qtbot, digit_folder)
    page.set_filter((REVIEW, ERROR))
    proxy, model = page.proxy, page.results_model
    wanted = sum(r.status in (REVIEW, ERROR) for r in model.results())
    assert proxy.rowCount() == wanted >= 2
    assert all(proxy.result(i).status in (REVIEW, ERROR) for i in range(proxy.rowCount()))

    # Correct the blank picture's row by typing into the table, as a person would.
    row = next(i for i in range(proxy.rowCount()) if proxy.result(i).file == "zz-blank.png")
    index = proxy.index(row, READING)
    page.table.setCurrentIndex(index)
    page.table.edit(index)
    editors = page.table.viewport().findChildren(QLineEdit)
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, "42")
    qtbot.keyClick(editor, Qt.Key.Key_Return)          # the delegate commits on the next loop turn
    qtbot.waitUntil(lambda: [r for r in model.results() if r.file == "zz-blank.png"][0].status == CORRECTED)

    fixed = [r for r in model.results() if r.file == "zz-blank.png"][0]
    assert fixed.status == CORRECTED and fixed.prediction == "42" and fixed.error == ""
    assert proxy.rowCount() == wanted                       # it stays in view until refiltered
    assert proxy.data(proxy.index(row, STATUS)) == CORRECTED
    assert proxy.data(proxy.index(row, READING), Qt.ItemDataRole.FontRole).italic()
    assert "1 corrected" in page.summary_label.text()

    # Correct an ok row twice: the model's own reading is what `original` keeps.
    page.set_filter(None)
    first_ok = next(i for i in range(proxy.rowCount()) if proxy.result(i).status in (OK, REVIEW))
    said = proxy.result(first_ok).prediction
    assert model.correct(proxy.mapToSource(proxy.index(first_ok, 0)).row(), "8")
    assert model.correct(proxy.mapToSource(proxy.index(first_ok, 0)).row(), "9")
    again = proxy.result(first_ok)
    assert again.prediction == "9" and again.original == said

    rows = {r["file"]: r for r in read_csv(page.export_csv(str(tmp_path / "fixed.csv")))}
    assert rows["zz-blank.png"]["status"] == "corrected" and rows["zz-blank.png"]["prediction"] == "42"
    assert rows[again.file]["original"] == said


def test_double_click_shows_the_picture_with_its_digit_boxes(page, qtbot, digit_folder):
    from digitdesk.gui.image_viewer import ImageViewer

    _run(page, qtbot, digit_folder)
    shown = []
    page.resultActivated.connect(shown.append)
    index = page.proxy.index(0, 1)
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert shown and shown[0].file == "d00000.png"
    result = shown[0]
    viewer = ImageViewer(None, "test", result.path, result.page, result.boxes, result.prediction)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.shown_image is not None, timeout=5000)
    image = viewer.shown_image
    box = result.boxes[0]
    edge = image.pixelColor(box.x - 2, box.y + box.h // 2)        # on the box's left side
    assert edge.red() > 150 and edge.green() < 100


def _synthetic(n: int) -> list[Result]:
    rng = np.random.default_rng(0)
    statuses = rng.choice([OK, OK, OK, REVIEW, ERROR], size=n)
    return [
        Result(file=f"f{i:06d}.png", prediction=str(i % 10), confidence=float(rng.random()), status=str(s),
               error="bad file" if s == ERROR else "", path=f"/nonexistent/f{i:06d}.png")
        for i, s in enumerate(statuses)
    ]


def test_table_of_100k_rows_filters_sorts_and_loads_thumbnails_lazily(qtbot):
    from PySide6.QtWidgets import QTableView

    from digitdesk.gui.thumbnails import ThumbnailLoader

    loader = ThumbnailLoader()
    model = ResultsModel(loader)
    proxy = ResultsFilter()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.verticalHeader().setDefaultSectionSize(44)
    view.resize(800, 600)
    view.show()
    results = _synthetic(100_000)
    for start in range(0, len(results), 5000):
        model.append(results[start : start + 5000])
        QApplication.processEvents()
    assert proxy.rowCount() == 100_000

    qtbot.waitUntil(lambda: loader.requested > 0)
    assert loader.requested <= 40       # only the rows on screen asked for a picture

    proxy.set_statuses((ERROR,))
    assert proxy.rowCount() == sum(r.status == ERROR for r in results)
    proxy.set_statuses(None)

    view.sortByColumn(CONFIDENCE, Qt.SortOrder.AscendingOrder)
    confidences = [model.result(i) for i in range(0, 100_000, 997)]
    keys = [-1.0 if r.status == ERROR else r.confidence for r in confidences]
    assert keys == sorted(keys)
    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert proxy.result(0).file == "f099999.png"
    assert model.results()[0].file == "f000000.png"    # export order is untouched by sorting
    loader.stop()


def test_a_field_row_s_thumbnail_is_the_field_cut_from_its_page(qtbot, tmp_path):
    """The Picture column shows each field's own ink (it once stayed empty: a broken import was
    swallowed as 'unreadable file')."""
    from digitdesk.fields import Field
    from digitdesk.gui.thumbnails import ThumbnailLoader

    page = np.full((300, 600), 255, np.uint8)
    page[120:180, 330:336] = 0            # a stroke inside the field
    path = tmp_path / "page.png"
    Image.fromarray(page).save(path)
    loader = ThumbnailLoader()
    loader.set_fields([Field("amount", 0.5, 0.3, 0.3, 0.4, mode="digit")])
    image = loader._make((str(path), 1, "amount"), loader.fields)
    assert not image.isNull() and image.width() > 0
    assert loader._make((str(tmp_path / "missing.png"), 1, "amount"), loader.fields).isNull()
    loader.stop()
