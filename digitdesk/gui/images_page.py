"""The Images workspace: dropped, opened or pasted pictures, each with its reading.

Files are decoded and read on a worker thread; rows arrive as they are done, so dropping a
folder never freezes the window. A picture that cannot be read becomes a row saying why.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .statuses import ERROR, REVIEW
from .icons import themed
from .qt_images import gray_to_qimage, model_inputs_strip, thumbnail_from_gray
from .rows_model import RowsModel
from .status_colors import status_brush

# The Images workspace is for a handful of pictures; whole folders of scans belong in Batch.
MAX_IMAGES = 1000
# The string model's 256x32 input, shown whole in the Model input column.
STRIP_CELL_W = 192


@dataclass
class ImageItem:
    name: str
    path: str = ""
    page: int = 1
    thumb: QImage = field(default_factory=QImage)
    strip: QImage = field(default_factory=QImage)
    text: str = ""
    confidence: float = 0.0
    status: str = ERROR
    message: str = ""
    boxes: tuple = ()                  # digitdesk.results.Box per digit
    gray: Optional[object] = None      # numpy array  # kept for pasted pictures, which have no file to reopen


COLUMNS = ("Picture", "Model input", "File", "Reading", "Confidence")


class ImagesModel(RowsModel):
    columns = COLUMNS

    @property
    def items(self) -> list[ImageItem]:
        return self.rows

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DecorationRole:
            if col == 0 and not item.thumb.isNull():
                return item.thumb
            if col == 1 and not item.strip.isNull():
                return item.strip
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 2:
                return item.name if item.page == 1 else f"{item.name} (page {item.page})"
            if col == 3:
                return item.text if item.status != ERROR else item.message
            if col == 4:
                return "" if item.status == ERROR else f"{item.confidence:.1%}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if item.status == ERROR:
                return item.message
            if item.status == REVIEW:
                return f"Unsure: {item.confidence:.1%} is below the review threshold"
        if role == Qt.ItemDataRole.BackgroundRole and col >= 3:
            return status_brush(item.status)
        if role == Qt.ItemDataRole.AccessibleTextRole and col in (0, 1):
            return f"{item.name}: {item.text or item.message}"
        return None

    def add(self, item: ImageItem) -> None:
        self.append([item])


def read_file_items(path: str, display: str, model, threshold: float) -> list[ImageItem]:
    """Rows for every page of one file (runs on the worker thread)."""
    from ..loading import LoadError, open_pages

    items = []
    try:
        for page in open_pages(path):
            items.append(read_gray_item(page.gray, display, model, threshold, path=path, page=page.page))
    except LoadError as exc:
        items.append(ImageItem(display, path, len(items) + 1, message=str(exc)))
    if not items:
        items.append(ImageItem(display, path, message="the file holds no pages"))
    return items


def read_gray_item(gray, name: str, model, threshold: float, path: str = "", page: int = 1) -> ImageItem:
    from ..preprocess import NoInkError
    from ..results import status_for
    from .reading import read_picture

    item = ImageItem(name, path, page, thumb=thumbnail_from_gray(gray, 96, 64))
    if not path:
        item.gray = gray
    try:
        reading = read_picture(gray, model, "auto")
    except NoInkError as exc:
        item.message = str(exc)
        return item
    except Exception as exc:  # a reading bug costs this picture, not the app
        item.message = f"could not read this picture ({type(exc).__name__}: {exc})"
        return item
    item.text, item.confidence, item.boxes = reading.text, reading.confidence, tuple(reading.boxes)
    item.strip = model_inputs_strip(reading.inputs, scale=2) if reading.inputs or reading.strip is None \
        else gray_to_qimage(reading.strip).scaledToWidth(STRIP_CELL_W)  # the string model's input
    item.status = status_for(reading.confidence, threshold) if reading.text else ERROR
    if not reading.text:
        item.message = "no digits could be read"
    return item


class ImagesPage(QWidget):
    message = Signal(str)
    openRequested = Signal()
    itemActivated = Signal(object)           # an ImageItem, to show with its boxes
    _itemsReady = Signal(object, int)         # rows from the worker thread, job number

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.threshold = 0.9
        self.model = None
        self.model_error = ""
        self._waiting: list[Callable] = []      # jobs queued until the model is loaded
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="images")
        self._pending = 0
        self._job = 0
        self._lock = threading.Lock()
        self._itemsReady.connect(self._add_items)

        self.table_model = ImagesModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setAccessibleName("Pictures and their readings")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(72)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.resizeSection(0, 110)
        header.resizeSection(1, 200)
        header.resizeSection(2, 260)
        header.setStretchLastSection(True)
        self.table.setIconSize(QSize(200, 64))
        self.table.doubleClicked.connect(lambda index: self.itemActivated.emit(self.table_model.items[index.row()]))

        hint = QLabel(
            "Drop pictures or folders anywhere on this window,\n"
            "open them with File ▸ Open, or paste a picture."
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: palette(placeholder-text); font-size: 14pt;")
        self.stack = QStackedWidget()
        self.stack.addWidget(hint)
        self.stack.addWidget(self.table)

        open_button = QPushButton(themed("document-open"), "Open…")
        open_button.clicked.connect(self.openRequested)
        clear_button = QPushButton(themed("edit-clear"), "Clear list")
        clear_button.clicked.connect(self.clear)
        self.progress_label = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(open_button)
        bar.addWidget(clear_button)
        bar.addStretch(1)
        bar.addWidget(self.progress_label)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

    # --- model and threshold -------------------------------------------------------------------

    def set_model(self, model) -> None:
        self.model = model
        waiting, self._waiting = self._waiting, []
        for job in waiting:
            job()

    def set_model_failed(self, message: str) -> None:
        """Nothing can be read: pictures waiting for the model become rows that say so."""
        self.model_error = message
        waiting, self._waiting = self._waiting, []
        for _ in waiting:
            self._pending -= 1
            self.table_model.add(ImageItem("–", message=f"not read: the model could not be loaded ({message})"))
        self._update_progress()

    def set_threshold(self, threshold: float) -> None:
        self.threshold = float(threshold)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # --- adding pictures -----------------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._pending > 0

    def add_paths(self, paths: list[str]) -> None:
        """Read files and folders (folders recursively, up to MAX_IMAGES pictures)."""
        if not paths:
            return
        self._start(lambda model, threshold, emit: self._read_paths(list(paths), model, threshold, emit))

    def add_image(self, image: QImage, name: str = "Pasted picture") -> None:
        from .qt_images import qimage_to_gray

        try:
            gray = qimage_to_gray(image)
        except Exception as exc:
            self.message.emit(f"Cannot use the pasted picture: {exc}")
            return
        self._start(lambda model, threshold, emit: emit([read_gray_item(gray, name, model, threshold)]))

    def _start(self, work: Callable) -> None:
        self.stack.setCurrentIndex(1)
        self._pending += 1
        self._update_progress()

        def submit():
            self._job += 1
            job = self._job
            model, threshold = self.model, self.threshold

            def run():
                def emit(items):
                    self._itemsReady.emit(items, 0)
                try:
                    work(model, threshold, emit)
                except Exception as exc:
                    emit([ImageItem("?", message=f"could not read ({type(exc).__name__}: {exc})")])
                finally:
                    self._itemsReady.emit([], job)  # job done
            self._executor.submit(run)

        if self.model_error:
            self._waiting.append(submit)
            self.set_model_failed(self.model_error)
        elif self.model is None:
            self._waiting.append(submit)
            self.message.emit("The pictures will be read as soon as the model is loaded.")
        else:
            submit()

    @staticmethod
    def _read_paths(paths, model, threshold, emit) -> None:
        from ..sources import iter_sources

        count = 0
        for src in iter_sources(paths, recursive=True):
            if count >= MAX_IMAGES:
                emit([ImageItem("…", message=f"only the first {MAX_IMAGES} pictures are shown; "
                                            "use the Batch workspace for whole folders")])
                return
            count += 1
            # Files named directly show their name; files found in a folder, their path inside it.
            name = os.path.basename(src.path) if src.display == src.path else src.display
            if src.error:
                emit([ImageItem(name, src.path, message=src.error)])
            else:
                emit(read_file_items(src.path, name, model, threshold))

    def _add_items(self, items, finished_job: int) -> None:
        self.table_model.append(items)
        if finished_job:
            self._pending -= 1
        self._update_progress()

    def _update_progress(self) -> None:
        n = len(self.table_model.items)
        if self._pending:
            self.progress_label.setText(f"Reading… {n} picture{'s' if n != 1 else ''} so far")
        else:
            self.progress_label.setText(f"{n} picture{'s' if n != 1 else ''}")
            if n:
                self.message.emit(f"Read {n} picture{'s' if n != 1 else ''}.")

    def clear(self) -> None:
        self.table_model.clear()
        self.stack.setCurrentIndex(0)
        self._update_progress()
