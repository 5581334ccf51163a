"""The user's preferences in QSettings, under names kept in one place.

QSettings() with no arguments uses the organisation and application names set on the
QApplication and the default format, so tests can redirect every read and write to a temporary
folder with ``QSettings.setDefaultFormat`` / ``QSettings.setPath``.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "digitdesk"
APPLICATION = "digitdesk"

GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
WORKSPACE = "window/workspace"
PEN_WIDTH = "draw/pen_width"
DRAW_MODE = "draw/mode"
REVIEW_THRESHOLD = "reading/review_threshold"   # absent: the model card's threshold
LAST_OPEN_FOLDER = "folders/last_open"
LAST_BATCH_FOLDER = "folders/last_batch"
LAST_EXPORT_FOLDER = "folders/last_export"
LAST_TEMPLATE = "batch/template"
RECENT_FOLDERS = "folders/recent"
BATCH_RECURSIVE = "batch/recursive"
BATCH_MODE = "batch/mode"

MAX_RECENT = 8
DEFAULT_PEN_WIDTH = 24


class Settings:
    """Typed access to the stored preferences (QSettings hands back strings on some platforms)."""

    def __init__(self) -> None:
        self._s = QSettings()

    def value(self, key: str, default: Any = None) -> Any:
        return self._s.value(key, default)

    def set(self, key: str, value: Any) -> None:
        if value is None:
            self._s.remove(key)
        else:
            self._s.setValue(key, value)

    def int(self, key: str, default: int) -> int:
        try:
            return int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    def float(self, key: str, default: float | None) -> float | None:
        raw = self._s.value(key, None)
        if raw is None or raw == "":
            return default
        try:
            return float(raw)
        except (TypeError, ValueError):
            return default

    def bool(self, key: str, default: bool) -> bool:
        raw = self._s.value(key, default)
        if isinstance(raw, str):
            return raw.lower() in ("1", "true", "yes")
        return bool(raw)

    def str(self, key: str, default: str = "") -> str:
        raw = self._s.value(key, default)
        return default if raw is None else str(raw)

    def recent_folders(self) -> list[str]:
        raw = self._s.value(RECENT_FOLDERS, [])
        if isinstance(raw, str):
            raw = [raw] if raw else []
        return [str(p) for p in (raw or []) if p][:MAX_RECENT]

    def add_recent_folder(self, folder: str) -> list[str]:
        folder = os.path.abspath(folder)
        folders = [folder] + [f for f in self.recent_folders() if f != folder]
        folders = folders[:MAX_RECENT]
        self._s.setValue(RECENT_FOLDERS, folders)
        return folders

    def clear_recent_folders(self) -> None:
        self._s.remove(RECENT_FOLDERS)

    def sync(self) -> None:
        self._s.sync()
