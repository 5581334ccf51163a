"""Loads the model in the background so the window is usable before onnxruntime is.

Importing onnxruntime and creating the session takes a good part of a second; the window shows
first and the workspaces wait for :attr:`ModelProvider.ready`. Failures (a missing or broken
model file) arrive as :attr:`ModelProvider.failed` with a message for a person.
"""

from __future__ import annotations

import threading
from typing import Optional

from PySide6.QtCore import QObject, QTimer, Signal


class ModelProvider(QObject):
    ready = Signal(object)     # the DigitModel
    failed = Signal(str)

    def __init__(self, model_path: Optional[str] = None, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.model_path = model_path
        self.model = None
        self.error = ""
        self._outcome = None
        self._thread: Optional[threading.Thread] = None
        # The worker thread only stores its outcome; this timer hands it over on the UI thread.
        self._poll = QTimer(self)
        self._poll.setInterval(20)
        self._poll.timeout.connect(self._deliver)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._load, name="model-loader", daemon=True)
        self._thread.start()
        self._poll.start()

    def _load(self) -> None:
        try:
            from ..model import shared_model

            model = shared_model(self.model_path)
            from .. import recognize  # noqa: F401  (the reading code: warm before the first stroke)
            try:
                from .. import numbers  # noqa: F401
            except ImportError:
                pass
            self._outcome = ("ok", model)
        except Exception as exc:  # ModelError, onnxruntime errors, a missing package
            self._outcome = ("error", str(exc) or type(exc).__name__)

    def _deliver(self) -> None:
        if self._outcome is None:
            return
        self._poll.stop()
        kind, value = self._outcome
        if kind == "ok":
            self.model = value
            self.ready.emit(value)
        else:
            self.error = value
            self.failed.emit(value)
