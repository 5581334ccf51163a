"""Thumbnails for table rows, made on demand on a worker thread and kept in a bounded cache.

A table of 100,000 results asks only for the rows on screen. Requests are served newest first,
and old ones are dropped when the user scrolls faster than pictures can be decoded, so the
thumbnails of what is visible now come first. Field rows show the field's part of the page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Optional

from PySide6.QtCore import QObject, QTimer, Signal
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
        # Read by the UI thread without the lock (a dict lookup is atomic in CPython): painting
        # 100k-row tables calls get() for every visible row on every scroll step, and taking a lock
        # the worker also wants cost a thread switch per call. Eviction is oldest-first.
        self._cache: dict[Key, QImage] = {}
        self._requests: list[Key] = []
        self._pending: set[Key] = set()
        self._cond = threading.Condition()
        self._pages: "OrderedDict[tuple[str, int], object]" = OrderedDict()  # decoded pages, few
        self._stop = False
        self.requested = 0                # pictures asked for so far (laziness is testable)
        self._incoming: list[Key] = []    # UI thread only
        self._generation = 0              # bumped by set_fields: older pictures are dropped
        self._flush_scheduled = False
        self._thread = threading.Thread(target=self._loop, name="thumbnails", daemon=True)
        self._thread.start()

    def set_fields(self, fields) -> None:
        with self._cond:
            self.fields = {f.name: f for f in fields}
            self._cache = {}
            self._pages.clear()
            self._requests.clear()
            self._pending = set()
            self._generation += 1

    def get(self, key: Key) -> Optional[QImage]:
        """The thumbnail if made (a null QImage when the file cannot be shown), else None (asked for)."""
        image = self._cache.get(key)
        if image is not None:
            return image
        if not key[0] or key in self._pending:
            return None
        # Misses are handed to the worker once per paint, not once per cell: waking the worker
        # for each would switch threads for every visible row.
        self._pending.add(key)
        self._incoming.append(key)
        self.requested += 1
        if not self._flush_scheduled:
            self._flush_scheduled = True
            QTimer.singleShot(0, self._flush)
        return None

    def _flush(self) -> None:
        self._flush_scheduled = False
        with self._cond:
            self._requests.extend(self._incoming)
            self._incoming = []
            if len(self._requests) > self.backlog:
                for old in self._requests[: -self.backlog]:
                    self._pending.discard(old)
                del self._requests[: -self.backlog]
            self._cond.notify()

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
                fields, generation = self.fields, self._generation
            image = self._make(key, fields)
            with self._cond:
                self._pending.discard(key)
                if generation != self._generation:
                    continue   # made for the previous batch's fields
                self._cache[key] = image
                while len(self._cache) > self.capacity:
                    del self._cache[next(iter(self._cache))]
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
                from ..field_locate import field_region

                gray, _ = field_region(gray, field)
            return thumbnail_from_gray(gray, self.width, self.height)
        except Exception:  # unreadable files are error rows already; no picture is the answer
            return QImage()
