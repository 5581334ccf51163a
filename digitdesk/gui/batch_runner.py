"""Runs :func:`digitdesk.batch.run_batch` on a worker thread and feeds the UI in chunks.

The worker thread only iterates the core's generator and appends to a list under a lock; a
timer on the UI thread collects what has arrived every ``interval`` ms and emits it as one
chunk. However fast results come, the event loop sees a handful of signals per second, and
Cancel just sets the core's cancel flag: rows read so far are kept.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Optional, Sequence

from PySide6.QtCore import QObject, QTimer, Signal


# How much lower than the window the batch's worker processes run (Unix nice steps). The window
# needs little CPU but needs it at once; the workers need all of it but can wait a moment.
BATCH_NICENESS = 10


def _descendants(root: int) -> list[int]:
    """Process ids below ``root`` (Linux /proc): the batch's forkserver and its workers."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def lower_worker_priority(niceness: int = BATCH_NICENESS) -> int:
    """Renice this process's child processes (the batch workers); returns how many were lowered.

    Only the workers: lowering the thread that iterates the batch inside this process would let
    it sit on the GIL while the scheduler runs others, and the window would wait behind it.
    """
    if not sys.platform.startswith("linux"):
        return 0
    lowered = 0
    try:
        pids = _descendants(os.getpid())
    except OSError:
        return 0
    for pid in pids:
        try:
            if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
                os.setpriority(os.PRIO_PROCESS, pid, niceness)
                lowered += 1
        except OSError:
            pass  # gone already, or not ours to change
    return lowered


class BatchRunner(QObject):
    started = Signal()
    progressed = Signal(object)     # digitdesk.batch.Progress
    resultsArrived = Signal(list)   # a chunk of Result
    finished = Signal(bool, str)    # cancelled, error message ("" when none)

    def __init__(self, interval_ms: int = 100, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._buffer: list = []
        self._progress = None
        self._done = False
        self._error = ""
        self._cancel = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._drain)
        self.started_at = 0.0
        self._ticks = 0
        self.cancelled = False

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, paths: Sequence[str], options) -> None:
        if self._thread is not None:
            raise RuntimeError("a batch is already running")
        self._buffer, self._progress, self._done, self._error = [], None, False, ""
        self._cancel = threading.Event()
        self.cancelled = False
        self.started_at = time.perf_counter()
        self._ticks = 0
        self._thread = threading.Thread(
            target=self._run, args=(list(paths), options, self._cancel), name="batch", daemon=True
        )
        self._thread.start()
        self._timer.start()
        self.started.emit()

    def cancel(self) -> None:
        """Stop soon; what was read stays."""
        if self._thread is not None:
            self.cancelled = True
            self._cancel.set()

    def _run(self, paths, options, cancel) -> None:
        try:
            from ..batch import run_batch

            def on_progress(progress) -> None:
                with self._lock:
                    self._progress = progress

            for result in run_batch(paths, options, progress=on_progress, cancel=cancel):
                with self._lock:
                    self._buffer.append(result)
        except Exception as exc:  # model missing, pool failure: a message, not a crash
            with self._lock:
                self._error = str(exc) or type(exc).__name__
        finally:
            with self._lock:
                self._done = True

    def _drain(self) -> None:
        self._ticks += 1
        if self._ticks % 10 == 1:   # about once a second: workers appear (and are replaced) lazily
            lower_worker_priority()
        with self._lock:
            chunk, self._buffer = self._buffer, []
            progress, self._progress = self._progress, None
            done = self._done
            error = self._error
        if chunk:
            self.resultsArrived.emit(chunk)
        if progress is not None:
            self.progressed.emit(progress)
        if done:
            self._timer.stop()
            self._thread.join()
            self._thread = None
            self.finished.emit(self.cancelled, error)

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the worker thread ends (for shutting down); True if it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()
