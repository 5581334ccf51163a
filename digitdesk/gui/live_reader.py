"""Reads the canvas while the user writes, on a thread of its own, latest drawing first.

The UI thread only renders the strokes to a small grey picture and hands it over; if the
previous reading is still running, the new picture replaces any waiting one (older drawings are
never read), so the canvas stays fluid however long a reading takes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QObject, Signal

# The recogniser (scipy, onnxruntime) is imported on the worker thread, after the window shows.


@dataclass(frozen=True)
class LiveResult:
    reading: Optional["Reading"]          # digitdesk.recognize.Reading; None: nothing to read
    per_digit: object                     # numpy [n, 10] or None:: the model's probabilities for each digit read
    message: str
    elapsed_ms: float                     # time the reading took on the worker thread
    serial: int                           # which submitted drawing this answers


def digit_probabilities(reading, model) -> Optional[np.ndarray]:
    """The model's ten probabilities for each digit read, for the bars ([n, 10]).

    A single digit carries them already; for a number they are the model's output on the very
    inputs the number reader used, one per digit, so the bars can show any digit of it.
    """
    import numpy as np

    if reading.probabilities is not None:
        return np.asarray(reading.probabilities, dtype=np.float32)[None]
    if reading.inputs and len(reading.inputs) == len(reading.text):
        return model.predict(np.stack(reading.inputs))
    return None


class LiveReader(QObject):
    # A LiveResult. One object per emission: PySide6 on Python 3.11 mis-counts references to a
    # bare None passed through a queued signal, so optional values travel inside it.
    readingReady = Signal(object)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.model = None
        self.mode = "auto"
        self._cond = threading.Condition()
        self._pending: Optional[tuple] = None
        self._serial = 0
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="live-reader", daemon=True)
        self._thread.start()

    def set_model(self, model) -> None:
        with self._cond:
            self.model = model
            self._cond.notify()

    @property
    def last_serial(self) -> int:
        """The number of the drawing submitted last (0: none yet)."""
        return self._serial

    def submit(self, gray) -> int:
        """Read ``gray`` (the canvas picture) as soon as the reader is free; returns its number."""
        with self._cond:
            self._serial += 1
            self._pending = (gray, self._serial)
            self._cond.notify()
            return self._serial

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=2)

    def _loop(self) -> None:
        from ..preprocess import NoInkError
        from .reading import read_picture

        while True:
            with self._cond:
                while not self._stop and (self._pending is None or self.model is None):
                    self._cond.wait()
                if self._stop:
                    return
                (gray, serial), self._pending = self._pending, None
                model = self.model
            start = time.perf_counter()
            per_digit = None
            try:
                reading, message = read_picture(gray, model, self.mode), ""
                per_digit = digit_probabilities(reading, model)
            except NoInkError as exc:
                reading, message = None, str(exc)
            except Exception as exc:  # a reading bug must not kill live reading
                reading, message = None, f"could not read the drawing ({type(exc).__name__}: {exc})"
            elapsed = (time.perf_counter() - start) * 1000.0
            try:
                self.readingReady.emit(LiveResult(reading, per_digit, message, elapsed, serial))
            except RuntimeError:  # the QObject was deleted while we were reading
                return
