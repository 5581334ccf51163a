"""Thumbnails for table rows, made on demand on a worker thread and kept in a bounded cache.

A table of 100,000 results asks only for the rows on screen. Requests are served newest first,
and old ones are dropped when the user scrolls faster than pictures can be decoded, so the
thumbnails of what is visible now come first. Field rows show the field's part of the page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from .qt_images import thumbnail_from_gray

Key = tuple[str, int, str]  # (path, page, field name)


class ThumbnailLoader(QObject):
    loaded = Signal(object)   # the Key whose thumbnail is now in the cache

    def __init__(self, width: int = 96, height: int = 40, capacity: int = 4000, backlog: int = 200,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.width, self.height = width, height
        self.capacity, self.backlog = capacity, backlog
        self.fields: dict = {}            # field name -> digitdesk.fields.Field
        self._cache: "OrderedDict[Key, QImage]" = OrderedDict()
        self._requests: list[Key] = []
        self._pending: set[Key] = set()
        self._cond = threading.Condition()
        self._pages: "OrderedDict[tuple[str, int], object]" = OrderedDict()  # decoded pages, few
        self._stop = False
        self.requested = 0                # pictures asked for so far (laziness is testable)
        self._thread = threading.Thread(target=self._loop, name="thumbnails", daemon=True)
        self._thread.start()

    def set_fields(self, fields) -> None:
        with self._cond:
            self.fields = {f.name: f for f in fields}
            self._cache.clear()
            self._pages.clear()

    def get(self, key: Key) -> Optional[QImage]:
        """The thumbnail if made (a null QImage when the file cannot be shown), else None (asked for)."""
        with self._cond:
            image = self._cache.get(key)
            if image is not None:
                self._cache.move_to_end(key)
                return image
            if key not in self._pending and key[0]:
                self._pending.add(key)
                self._requests.append(key)
                self.requested += 1
                if len(self._requests) > self.backlog:
                    for old in self._requests[: -self.backlog]:
                        self._pending.discard(old)
                    del self._requests[: -self.backlog]
                self._cond.notify()
        return None

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._requests:
                    self._cond.wait()
                if self._stop:
                    return
                key = self._requests.pop()
                fields = self.fields
            image = self._make(key, fields)
            with self._cond:
                self._pending.discard(key)
                self._cache[key] = image
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
            try:
                self.loaded.emit(key)
            except RuntimeError:  # the loader was deleted with its window
                return

    def _page(self, path: str, page: int):
        from ..loading import open_pages

        cached = self._pages.get((path, page))
        if cached is not None:
            return cached
        gray = None
        for p in open_pages(path):
            if p.page == page:
                gray = p.gray
                break
        self._pages[(path, page)] = gray
        while len(self._pages) > 4:
            self._pages.popitem(last=False)
        return gray

    def _make(self, key: Key, fields: dict) -> QImage:
        path, page, field_name = key
        try:
            gray = self._page(path, page)
            if gray is None:
                return QImage()
            field = fields.get(field_name) if field_name else None
            if field is not None:
                from ..page_reading import field_region

                gray, _ = field_region(gray, field)
            return thumbnail_from_gray(gray, self.width, self.height)
        except Exception:  # unreadable files are error rows already; no picture is the answer
            return QImage()
