"""Starting the desktop app: QApplication set-up, the window first, the model right after.

Only PySide6 and the window's modules load before the window shows; numpy-heavy work, scipy and
onnxruntime are imported when the model loads on its background thread, so the window is usable
within a fraction of a second (see ``benchmarks/gui_startup.py``).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Optional, Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from .. import __version__
from . import settings as keys

# Set by the startup benchmark: print when the window has shown and the event loop has turned,
# and when the model is ready, then quit.
STARTUP_PROBE = "DIGITDESK_STARTUP_PROBE"
MODEL_DELAY_MS = 50


def make_app(argv: Optional[Sequence[str]] = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv else [sys.argv[0] if sys.argv else "digitdesk"])
    app.setOrganizationName(keys.ORGANIZATION)
    app.setApplicationName(keys.APPLICATION)
    app.setApplicationDisplayName("digitdesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("digitdesk")
    from .icons import app_icon

    app.setWindowIcon(app_icon())
    return app


def launch_paths(arguments: Sequence[str]) -> list[str]:
    """The pictures and folders named on the command line (``digitdesk FILE... | FOLDER``).

    ``arguments`` is what is left once Qt has taken its own options (``-style fusion``...) out.
    A ``file:`` URL (some launchers pass ``%U``) becomes its path; paths become absolute, so a
    folder is remembered whatever the working directory. Anything else that looks like an option
    is not a path: it is skipped with a warning, as unknown options always were.
    """
    from PySide6.QtCore import QUrl

    paths = []
    for arg in arguments:
        if arg.startswith("file:"):
            arg = QUrl(arg).toLocalFile() or arg
        elif arg.startswith("-") and not os.path.lexists(arg):
            if sys.stderr is not None:   # a windowed app on Windows has no stderr
                print(f"digitdesk: unknown option {arg} ignored", file=sys.stderr)
            continue
        if arg:
            paths.append(os.path.abspath(arg))
    return paths


def open_window(model_path: Optional[str] = None, arguments: Sequence[str] = ()) -> "MainWindow":
    """Show the main window with whatever the command line named already opened in it."""
    from .main_window import MainWindow

    window = MainWindow(model_path)
    window.show()
    paths = launch_paths(arguments)
    if paths:
        try:
            window.open_paths(paths)
        except Exception as exc:  # odd paths cost what was asked for, not the app
            if sys.stderr is not None:
                import traceback

                traceback.print_exc()
            window.show_message(f"Could not open {', '.join(paths)}: {exc}")
    return window


def run(model_path: Optional[str] = None, argv: Optional[Sequence[str]] = None) -> int:
    """``argv``: the program name, then Qt's options and the paths to open, in any order."""
    from . import errors

    own_app = QApplication.instance() is None
    app = make_app(argv)
    errors.install()
    # QApplication took its own options out of the arguments it was built with; an application
    # made elsewhere (a test's) never saw argv, so its paths come straight from argv.
    arguments = app.arguments()[1:] if own_app else list(argv or [])[1:]
    window = open_window(model_path, arguments)
    # The model thread's imports (numpy, scipy, onnxruntime) hold the GIL in long stretches while
    # their libraries load; starting it a moment after the loop begins lets the first frame out.
    QTimer.singleShot(MODEL_DELAY_MS, window.start_model)
    if os.environ.get(STARTUP_PROBE):
        gaps = {"last": 0.0, "max": 0.0}

        def window_ready():
            print(f"window-shown {time.time():.6f}", flush=True)
            gaps["last"] = time.perf_counter()
            ticker.start()

        def tick():
            now = time.perf_counter()
            gaps["max"] = max(gaps["max"], now - gaps["last"])
            gaps["last"] = now

        def model_ready(_model=None):
            print(f"model-ready {time.time():.6f}", flush=True)
            print(f"max-gap-ms {gaps['max'] * 1000:.1f}", flush=True)
            window.close()

        ticker = QTimer(window)
        ticker.setInterval(10)
        ticker.timeout.connect(tick)
        QTimer.singleShot(0, window_ready)
        window.provider.ready.connect(model_ready)
        window.provider.failed.connect(lambda msg: (print(f"model-failed {msg}", flush=True), window.close()))
    return app.exec()
