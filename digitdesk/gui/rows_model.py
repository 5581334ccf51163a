"""A flat Qt table over a Python list of records, one record a row, under fixed column names.

The Images list and the Batch results share this half of a table model (shape, header, growth
in chunks, reset); each says only what its cells show. Rows arrive in chunks, one
beginInsertRows per chunk, never one signal per record.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class RowsModel(QAbstractTableModel):
    columns: tuple[str, ...] = ()   # the header, one name a column

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def append(self, records: Iterable) -> None:
        """Add a chunk of rows at the end."""
        chunk = list(records)
        if not chunk:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(chunk) - 1)
        self.rows.extend(chunk)
        self._rows_added(first, len(chunk))
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self._cleared()
        self.endResetModel()

    # Hooks for a model that keeps more than the list (a sort order, a cache), run while the view
    # waits between the begin and end signals.
    def _rows_added(self, first: int, count: int) -> None:
        pass

    def _cleared(self) -> None:
        pass
