"""The Batch workspace: read a folder in the background, review what is unsure, correct, export.

The page only assembles :class:`digitdesk.batch.BatchOptions` and shows what
:class:`.batch_runner.BatchRunner` streams back; reading, CSV format and corrections are the
core's (``run_batch``, ``write_csv``, ``Result.corrected``).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Optional

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .statuses import CORRECTED, ERROR, OK, REVIEW
from .batch_runner import BatchRunner
from .icons import themed
from .results_model import READING, ResultsFilter, ResultsModel
from .thumbnails import ThumbnailLoader

FILTERS = (
    ("All results", None),
    ("Needs attention (review + error)", (REVIEW, ERROR)),
    ("Review only", (REVIEW,)),
    ("Errors only", (ERROR,)),
    ("Corrected", (CORRECTED,)),
    ("OK only", (OK,)),
)
MODES = (("Auto: digit or number", "auto"), ("One digit per picture", "digit"), ("A number per picture", "number"))


def format_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"



def _icon_button(icon: str, name: str, tip: str, slot) -> QToolButton:
    """An icon-only button; the accessible name stands in for the text it lacks."""
    button = QToolButton()
    button.setIcon(themed(icon))
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button

class BatchPage(QWidget):
    message = Signal(str)
    folderUsed = Signal(str)               # for recent folders
    thresholdChanged = Signal(float)
    resultActivated = Signal(object)       # a Result to show with its boxes
    batchFinished = Signal(bool)           # cancelled

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.model_path: Optional[str] = None
        self.workers: Optional[int] = None   # None: the core's default (one process per core)
        self.template = None                 # digitdesk.fields.Template in use, if any
        self.last_export = ""
        self.export_folder = ""
        self.counts: Counter = Counter()
        self.last_progress = None

        self.runner = BatchRunner(parent=self)
        self.runner.progressed.connect(self._progress)
        self.runner.resultsArrived.connect(self._results)
        self.runner.finished.connect(self._finished)

        # --- options ---
        self.folder_box = QComboBox()
        self.folder_box.setEditable(True)
        self.folder_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.folder_box.lineEdit().setPlaceholderText("Folder of scans or pictures")
        self.folder_box.setAccessibleName("Folder to read")
        self.folder_box.setMinimumContentsLength(30)
        browse = _icon_button("folder-open", "Choose folder", "Choose the folder to read", self.choose_folder)
        self.recursive_box = QCheckBox("Include sub-folders")
        self.mode_box = QComboBox()
        for label, mode in MODES:
            self.mode_box.addItem(label, mode)
        self.mode_box.setAccessibleName("Reading mode")
        self.threshold_box = QDoubleSpinBox()
        self.threshold_box.setRange(0.0, 100.0)
        self.threshold_box.setDecimals(1)
        self.threshold_box.setSuffix(" %")
        self.threshold_box.setValue(90.0)
        self.threshold_box.setAccessibleName("Review threshold")
        self.threshold_box.setToolTip("Readings less confident than this are marked for review")
        self.threshold_box.valueChanged.connect(lambda v: self.thresholdChanged.emit(v / 100.0))
        self.template_edit = QLineEdit()
        self.template_edit.setPlaceholderText("Optional: a template of fields to read on each page")
        self.template_edit.setAccessibleName("Field template file")
        self.template_edit.setClearButtonEnabled(True)
        template_browse = _icon_button("document-open", "Choose template", "Choose a template file (.json)",
                                       self.choose_template)
        self.edit_template_button = QPushButton("Edit template…")
        self.edit_template_button.clicked.connect(self.edit_template)

        self.run_button = QPushButton(themed("media-playback-start"), "Read folder")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(themed("process-stop"), "Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Batch progress")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setValue(0)
        self.eta_label = QLabel("")
        self.eta_label.setMinimumWidth(200)

        grid = QGridLayout()
        grid.addWidget(QLabel("Folder:"), 0, 0)
        grid.addWidget(self.folder_box, 0, 1)
        grid.addWidget(browse, 0, 2)
        grid.addWidget(self.recursive_box, 0, 3)
        grid.addWidget(QLabel("Template:"), 1, 0)
        grid.addWidget(self.template_edit, 1, 1)
        grid.addWidget(template_browse, 1, 2)
        grid.addWidget(self.edit_template_button, 1, 3)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Read as:"))
        row2.addWidget(self.mode_box)
        row2.addSpacing(16)
        row2.addWidget(QLabel("Review below:"))
        row2.addWidget(self.threshold_box)
        row2.addStretch(1)
        grid.addLayout(row2, 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress_bar, 1)
        run_row.addWidget(self.eta_label)

        # --- results ---
        self.thumbnails = ThumbnailLoader(parent=self)
        self.results_model = ResultsModel(self.thumbnails, self)
        self.results_model.corrected.connect(self._corrected)
        self.proxy = ResultsFilter(self)
        self.proxy.setSourceModel(self.results_model)
        self.table = QTableView()
        self.table.setAccessibleName("Batch results")
        self.table.setModel(self.proxy)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # batch order
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(96, 40))
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)   # no per-row measuring at 100k rows
        vh.setDefaultSectionSize(44)
        vh.hide()
        hh = self.table.horizontalHeader()
        for col, width in enumerate((104, 280, 50, 110, 110, 95)):
            hh.resizeSection(col, width)
        hh.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._double_clicked)

        self.filter_box = QComboBox()
        for label, statuses in FILTERS:
            self.filter_box.addItem(label, statuses)
        self.filter_box.setAccessibleName("Show results")
        self.filter_box.currentIndexChanged.connect(self._filter_changed)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Filter by file name")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Filter by file name")
        self.search_edit.textChanged.connect(self.proxy.set_text)
        self.summary_label = QLabel("")
        self.export_button = QPushButton(themed("document-save"), "Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_csv)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        filters.addWidget(self.filter_box)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.summary_label)
        filters.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(run_row)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

    # --- options --------------------------------------------------------------------------------

    def folder(self) -> str:
        return self.folder_box.currentText().strip()

    def set_folder(self, folder: str) -> None:
        self.folder_box.setEditText(folder)

    def set_recent_folders(self, folders: list[str]) -> None:
        current = self.folder()
        self.folder_box.blockSignals(True)
        self.folder_box.clear()
        self.folder_box.addItems(folders)
        self.folder_box.setEditText(current)
        self.folder_box.blockSignals(False)

    def mode(self) -> str:
        return self.mode_box.currentData()

    def set_mode(self, mode: str) -> None:
        i = self.mode_box.findData(mode)
        if i >= 0:
            self.mode_box.setCurrentIndex(i)

    def threshold(self) -> float:
        return self.threshold_box.value() / 100.0

    def set_threshold(self, threshold: float) -> None:
        self.threshold_box.setValue(round(threshold * 100.0, 1))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to read", self.folder() or os.path.expanduser("~"))
        if folder:
            self.set_folder(folder)

    def choose_template(self) -> None:
        start = os.path.dirname(self.template_edit.text()) or self.folder() or os.path.expanduser("~")
        path, _ = QFileDialog.getOpenFileName(self, "Field template", start, "Templates (*.json);;All files (*)")
        if path:
            self.template_edit.setText(path)

    def edit_template(self) -> None:
        from .template_editor import TemplateEditor

        editor = TemplateEditor(self, template_path=self.template_edit.text().strip() or None,
                                sample_folder=self.folder() or None)
        if editor.exec() and editor.saved_path:
            self.template_edit.setText(editor.saved_path)

    def _load_template(self):
        from ..fields import TemplateError, load_template

        path = self.template_edit.text().strip()
        if not path:
            return None, ""
        try:
            return load_template(path), ""
        except TemplateError as exc:
            return None, str(exc)

    # --- running ---------------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.runner.is_running()

    def start(self) -> bool:
        """Start reading the chosen folder; False (with a message) when it cannot start."""
        from ..batch import BatchOptions

        if self.runner.is_running():
            return False
        folder = self.folder()
        if not folder or not os.path.isdir(folder):
            QMessageBox.warning(self, "Read folder", "Choose a folder that exists first." if not folder
                                else f"The folder {folder} does not exist.")
            return False
        template, error = self._load_template()
        if error:
            QMessageBox.warning(self, "Field template", error)
            return False
        self.template = template
        fields = tuple(template.fields) if template else ()
        options = BatchOptions(
            mode=self.mode(),
            fields=fields,
            recursive=self.recursive_box.isChecked(),
            review_below=self.threshold(),
            workers=self.workers,
            model_path=self.model_path,
        )
        self.results_model.clear()
        self.thumbnails.set_fields(fields)
        self.counts = Counter()
        self.last_progress = None
        self._update_summary()
        self.progress_bar.setRange(0, 0)   # busy until the files are counted
        self.eta_label.setText("Counting files…")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.export_button.setEnabled(False)
        self.folderUsed.emit(folder)
        self.runner.start([folder], options)
        self.message.emit(f"Reading {folder}…")
        return True

    def cancel(self) -> None:
        if self.runner.is_running():
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.eta_label.setText("Cancelling… (rows read so far are kept)")

    def _progress(self, p) -> None:
        self.last_progress = p
        self.progress_bar.setRange(0, max(p.files_total, 1))
        self.progress_bar.setValue(p.files_done)
        self.progress_bar.setFormat(f"{p.files_done:,} of {p.files_total:,} files")
        if not self.runner.cancelled:
            rate = f", {p.rate:.0f} files/s" if p.rate else ""
            self.eta_label.setText(f"{format_duration(p.elapsed)} elapsed, {format_duration(p.eta)} left{rate}")

    def _results(self, chunk: list) -> None:
        self.results_model.append(chunk)
        self.counts.update(r.status for r in chunk)
        self._update_summary()

    def _finished(self, cancelled: bool, error: str) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.results_model.resort()
        n = self.results_model.rowCount()
        self.export_button.setEnabled(n > 0)
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)
        if error:
            self.eta_label.setText("Stopped by an error")
            # Window-modal, not a nested event loop: the rest of this slot (batchFinished) runs
            # now, and a headless run or test sees the error instead of waiting on the box.
            box = QMessageBox(QMessageBox.Icon.Warning, "Batch", f"The batch stopped: {error}",
                              QMessageBox.StandardButton.Ok, self)
            box.setObjectName("batch-error")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.message.emit(f"The batch stopped: {error}")
        elif cancelled:
            self.eta_label.setText("Cancelled")
            self.message.emit(f"Cancelled; {n:,} rows read so far are kept.")
        else:
            took = format_duration(self.last_progress.elapsed) if self.last_progress else "–"
            self.eta_label.setText(f"Done in {took}")
            self.progress_bar.setValue(self.progress_bar.maximum())
            self.message.emit(f"Done: {n:,} rows; {self.counts[REVIEW]:,} to review, {self.counts[ERROR]:,} errors.")
        self.batchFinished.emit(cancelled)

    def _corrected(self, index: int, old_status: str) -> None:
        self.counts[old_status] -= 1
        self.counts[CORRECTED] += 1
        self._update_summary()

    def _update_summary(self) -> None:
        n = sum(self.counts.values())
        if not n:
            self.summary_label.setText("")
            return
        parts = [f"{self.counts[s]:,} {s}" for s in (OK, REVIEW, ERROR, CORRECTED) if self.counts[s]]
        self.summary_label.setText(f"{n:,} rows: " + ", ".join(parts))

    # --- review ----------------------------------------------------------------------------------

    def _filter_changed(self) -> None:
        self.proxy.set_statuses(self.filter_box.currentData())

    def set_filter(self, statuses) -> None:
        for i, (_, s) in enumerate(FILTERS):
            if s == (tuple(statuses) if statuses is not None else None):
                self.filter_box.setCurrentIndex(i)
                return
        self.proxy.set_statuses(statuses)

    def _double_clicked(self, index) -> None:
        if index.column() == READING:
            return  # that double-click edits the reading
        self.resultActivated.emit(self.proxy.result(index.row()))

    def export_csv(self, path: Optional[str] = None) -> Optional[str]:
        """Write every row (corrections included) in the CLI's CSV format; returns the path."""
        from ..csv_export import write_csv

        results = self.results_model.results()
        if not results:
            return None
        if not path:
            start = os.path.join(self.export_folder or self.folder() or os.path.expanduser("~"), "digitdesk-results.csv")
            path, _ = QFileDialog.getSaveFileName(self, "Export CSV", start, "CSV files (*.csv)")
            if not path:
                return None
        try:
            rows = write_csv(results, path)
        except OSError as exc:
            QMessageBox.warning(self, "Export CSV", f"Could not write {path}: {exc.strerror or exc}")
            return None
        self.last_export = path
        self.export_folder = os.path.dirname(os.path.abspath(path))
        self.message.emit(f"Exported {rows:,} rows to {path}")
        return path

    def shutdown(self) -> None:
        self.runner.cancel()
        self.runner.wait(10)
        self.thumbnails.stop()
