"""The Batch results table: a QAbstractTableModel over Result records that copes with 100k rows.

* Rows arrive in chunks (one beginInsertRows per chunk), never one signal per result.
* Sorting reorders an index list in Python (one ``list.sort`` with a key) instead of letting
  QSortFilterProxyModel call back into Python for every comparison; the proxy only filters.
* Thumbnails are asked for only when a row is painted (see :mod:`.thumbnails`).
* The reading is editable: a correction replaces the row with ``Result.corrected(...)``.
  ``results()`` hands the rows back in batch order for export.
"""

from __future__ import annotations

from typing import Iterable, Optional

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont

from .rows_model import RowsModel
from .statuses import CORRECTED, ERROR, STATUSES
from .status_colors import status_brush

COLUMNS = ("Picture", "File", "Page", "Field", "Reading", "Confidence", "Status")
THUMB, FILE, PAGE, FIELD, READING, CONFIDENCE, STATUS = range(len(COLUMNS))
ResultRole = Qt.ItemDataRole.UserRole + 1


def _reading_key(r: Result):
    text = r.prediction
    return (0, len(text), text) if text.isdigit() else (1, 0, text)


_SORT_KEYS = {
    FILE: lambda r: (r.file, r.page),
    PAGE: lambda r: r.page,
    FIELD: lambda r: r.field,
    READING: _reading_key,
    CONFIDENCE: lambda r: -1.0 if r.status == ERROR else r.confidence,
    STATUS: lambda r: STATUSES.index(r.status) if r.status in STATUSES else len(STATUSES),
}


class ResultsModel(RowsModel):
    corrected = Signal(int, str)   # batch-order index of a row a person corrected, its old status
    columns = COLUMNS

    def __init__(self, thumbnails=None, parent=None):
        super().__init__(parent)
        self.rows: list[Result] = []              # in batch order
        self._order: Optional[list[int]] = None   # display row -> batch index; None: batch order
        self._pos: Optional[list[int]] = None     # batch index -> display row
        self._sort: Optional[tuple[int, Qt.SortOrder]] = None
        self.thumbnails = thumbnails
        self._thumb_rows: dict = {}
        self._italic = QFont()
        self._italic.setItalic(True)
        if thumbnails is not None:
            thumbnails.loaded.connect(self._thumbnail_loaded)

    # --- shape ---------------------------------------------------------------------------------

    def batch_index(self, row: int) -> int:
        return row if self._order is None else self._order[row]

    def display_row(self, batch_index: int) -> int:
        return batch_index if self._pos is None else self._pos[batch_index]

    def result(self, row: int) -> Result:
        """The result shown on display ``row``."""
        return self.rows[self.batch_index(row)]

    def results(self) -> list[Result]:
        """Every result in batch order (the order the CLI writes), corrections included."""
        return list(self.rows)

    # --- data ----------------------------------------------------------------------------------

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[self.batch_index(index.row())]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == FILE:
                return r.file
            if col == PAGE:
                return r.page
            if col == FIELD:
                return r.field
            if col == READING:
                return r.prediction
            if col == CONFIDENCE:
                return "" if r.status == ERROR else f"{r.confidence:.1%}"
            if col == STATUS:
                return f"error: {r.error}" if r.status == ERROR and r.error else r.status
            return None
        if role == Qt.ItemDataRole.EditRole and col == READING:
            return r.prediction
        if role == Qt.ItemDataRole.DecorationRole and col == THUMB and self.thumbnails is not None:
            key = (r.path, r.page, r.field)
            image = self.thumbnails.get(key)
            if image is None:
                self._thumb_rows.setdefault(key, set()).add(self.batch_index(index.row()))
                return None
            return None if image.isNull() else image
        if role == Qt.ItemDataRole.BackgroundRole:
            return status_brush(r.status)
        if role == Qt.ItemDataRole.FontRole and r.status == CORRECTED and col in (READING, STATUS):
            return self._italic
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.status == ERROR:
                return r.error
            if r.status == CORRECTED:
                return f"Corrected by you; the model read {r.original or 'nothing'}"
            if col == READING:
                return "Double-click or press F2 to correct the reading"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (PAGE, CONFIDENCE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ResultRole:
            return r
        return None

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and index.column() == READING:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != READING:
            return False
        text = str(value).strip()
        i = self.batch_index(index.row())
        old = self.rows[i]
        new = old.corrected(text)
        if new is old:
            return False
        self.rows[i] = new
        row = index.row()
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.corrected.emit(i, old.status)
        return True

    def correct(self, row: int, text: str) -> bool:
        return self.setData(self.index(row, READING), text)

    # --- growth --------------------------------------------------------------------------------

    # append(results) and clear() come from RowsModel; a sorted table keeps new rows at the end
    # until it is sorted again.

    def _rows_added(self, first: int, count: int) -> None:
        if self._order is not None:
            new = range(first, first + count)
            self._order.extend(new)
            self._pos.extend(new)

    def _cleared(self) -> None:
        self._order = self._pos = None
        self._thumb_rows.clear()

    # --- sorting -------------------------------------------------------------------------------

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``; a column below 0 goes back to batch order."""
        key = _SORT_KEYS.get(column)
        if key is None:
            if column < 0 and self._order is not None:
                self._sort = None
                self.layoutAboutToBeChanged.emit()
                persistent = self.persistentIndexList()
                before = [self.batch_index(p.row()) for p in persistent]
                self._order = self._pos = None
                self.changePersistentIndexList(persistent, [self.index(i, p.column()) for p, i in zip(persistent, before)])
                self.layoutChanged.emit()
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        before = [self.batch_index(p.row()) for p in persistent]
        results = self.rows
        order_list = sorted(range(len(results)), key=lambda i: key(results[i]),
                            reverse=order == Qt.SortOrder.DescendingOrder)
        pos = [0] * len(order_list)
        for row, i in enumerate(order_list):
            pos[i] = row
        self._order, self._pos = order_list, pos
        self.changePersistentIndexList(
            persistent, [self.index(pos[i], p.column()) for p, i in zip(persistent, before)]
        )
        self.layoutChanged.emit()

    def resort(self) -> None:
        """Apply the current sort again (after a batch adds rows to a sorted table)."""
        if self._sort is not None:
            self.sort(*self._sort)

    # --- thumbnails ----------------------------------------------------------------------------

    def _thumbnail_loaded(self, key) -> None:
        for i in self._thumb_rows.pop(key, ()):
            if i < len(self.rows):
                row = self.display_row(i)
                index = self.index(row, THUMB)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class ResultsFilter(QSortFilterProxyModel):
    """Shows only some statuses and/or files whose name holds some text; sorting goes to the source.

    Not dynamic: a row corrected while the filter shows only ``review`` stays in view until the
    filter is changed, so it does not vanish from under the user's cursor.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self._statuses: Optional[frozenset[str]] = None
        self._text = ""

    def set_statuses(self, statuses: Optional[Iterable[str]]) -> None:
        self._refilter(lambda: setattr(self, "_statuses", None if statuses is None else frozenset(statuses)))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", text.strip().lower()))

    def _refilter(self, change) -> None:
        # A full remap (one layoutChanged) rather than Qt's incremental refilter: at 100k rows with
        # statuses interleaved, the incremental path emits thousands of row insert/remove signals
        # (2.1 s measured to clear a filter) where the remap takes 0.4 s and keeps the selection.
        change()
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        # Called once per row on every refilter (100k calls): keep it to plain list lookups.
        if self._statuses is None and not self._text:
            return True
        src = self.sourceModel()
        order = src._order
        r = src.rows[source_row if order is None else order[source_row]]
        if self._statuses is not None and r.status not in self._statuses:
            return False
        return not self._text or self._text in r.file.lower()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)

    def result(self, row: int) -> Result:
        return self.sourceModel().result(self.mapToSource(self.index(row, 0)).row())
