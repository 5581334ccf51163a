"""Unexpected errors become a dialog, never a traceback on the console or a vanished window.

Expected failures (bad files, missing model) are handled where they happen and shown as messages
or error rows. This catches the rest: the exception hook shows what went wrong in one sentence
(details are one click away, for a bug report) and the app keeps running.
"""

from __future__ import annotations

import sys
import threading
import traceback

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox


class _Reporter(QObject):
    report = Signal(str, str)

    def __init__(self):
        super().__init__()
        self.report.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.shown: list[str] = []
        self._open = 0

    def _show(self, summary: str, details: str) -> None:
        self.shown.append(summary)
        if self._open >= 3:  # an error in a paint loop must not bury the screen in dialogs
            return
        self._open += 1
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("digitdesk: something went wrong")
        box.setText(
            f"{summary}\n\nThe app is still running. If this keeps happening, "
            "please report it with the details below."
        )
        box.setDetailedText(details)
        box.finished.connect(self._closed)
        box.open()

    def _closed(self) -> None:
        self._open -= 1


_reporter: _Reporter | None = None
_previous: tuple = ()


def _summary(exc_type, exc) -> str:
    text = str(exc).strip()
    return f"{exc_type.__name__}: {text}" if text else exc_type.__name__


def install() -> _Reporter:
    """Route uncaught exceptions (UI thread and worker threads) to a dialog."""
    global _reporter, _previous
    if _reporter is not None:
        return _reporter
    _reporter = _Reporter()
    _previous = (sys.excepthook, threading.excepthook)

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(details)
        _reporter.report.emit(_summary(exc_type, exc), details)

    def thread_hook(args):
        if args.exc_type is SystemExit:
            return
        hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
    return _reporter


def uninstall() -> None:
    """Put the previous hooks back (tests; embedding digitdesk's window in another app)."""
    global _reporter
    if _reporter is not None:
        sys.excepthook, threading.excepthook = _previous
        _reporter = None
