"""``digitdesk --self-check``: proves an installed app (or a packaged bundle) can do its job.

It loads the shipped model, reads digits drawn here by code, and opens and closes the main window
on Qt's offscreen platform, printing one line per check. Exit status 0 when everything passed, 1
when something failed: packaging runs it on every build, and it needs no display.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Optional

# Digits drawn by code on a 200x200 page, black ink on white paper: (label, strokes of (x, y)).
SAMPLES = (
    ("1", [[(104, 30), (100, 100), (96, 170)]]),
    ("7", [[(50, 38), (150, 36), (118, 100), (90, 170)]]),
    ("0", "ellipse"),
)


def sample_page(strokes) -> "np.ndarray":
    """One sample as the core's grey picture (float32 in [0, 1], ink dark)."""
    import numpy as np
    from PIL import Image, ImageDraw

    image = Image.new("L", (200, 200), 255)
    draw = ImageDraw.Draw(image)
    if strokes == "ellipse":
        draw.ellipse((60, 30, 140, 170), outline=0, width=14)
    else:
        for line in strokes:
            draw.line(line, fill=0, width=14, joint="curve")
    return np.asarray(image, dtype=np.float32) / 255.0


class _Checks:
    def __init__(self, out=sys.stdout):
        self.out = out
        self.failed = 0

    def run(self, name: str, check: Callable[[], str]) -> Optional[object]:
        start = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:
            self.failed += 1
            print(f"FAIL  {name}: {type(exc).__name__}: {exc}", file=self.out, flush=True)
            return None
        took = (time.perf_counter() - start) * 1000
        print(f"ok    {name}: {detail} ({took:.0f} ms)", file=self.out, flush=True)
        return True


def self_check(model_path: Optional[str] = None, out=sys.stdout) -> int:
    from . import __version__

    print(f"digitdesk {__version__} self-check (Python {sys.version.split()[0]}, {sys.platform})", file=out)
    checks = _Checks(out)
    state: dict = {}

    def load_model() -> str:
        from .model import shared_model

        model = shared_model(model_path)
        state["model"] = model
        card = model.card or {}
        from .model import card_checksum

        sha = card_checksum(card, model.path.name)[:12] or "no checksum in the model card"
        acc = card.get("accuracy", (card.get("test") or {}).get("accuracy"))
        acc = f", accuracy {acc:.2%}" if isinstance(acc, float) else ""
        passes = f", first passes {' and '.join(model.stage_files)}" if model.stage_files else ""
        return f"{model.path.name} ({sha}{acc}){passes}, review below {model.review_threshold:.0%}"

    checks.run("model loads", load_model)

    if "model" in state:
        from .recognize import read_digit

        for label, strokes in SAMPLES:
            def read_sample(label=label, strokes=strokes) -> str:
                reading = read_digit(sample_page(strokes), state["model"])
                if reading.text != label:
                    raise AssertionError(f"read {reading.text!r} ({reading.confidence:.0%}), expected {label!r}")
                return f"read {reading.text} at {reading.confidence:.0%}"

            checks.run(f"built-in sample '{label}'", read_sample)

    def window() -> str:
        if "PySide6.QtGui" not in sys.modules:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"   # headless: never needs a display
        from PySide6.QtCore import QCoreApplication, QSettings
        from PySide6.QtWidgets import QApplication

        from .gui.app import make_app
        from .gui.main_window import MainWindow

        app = make_app()
        # Leave the user's settings alone: this window reads and writes a throwaway scope.
        QCoreApplication.setOrganizationName("digitdesk-self-check")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
            win = MainWindow(model_path)
            win.show()
            QApplication.processEvents()
            win.start_model()
            deadline = time.monotonic() + 30
            while win.provider.model is None and not win.provider.error and time.monotonic() < deadline:
                QApplication.processEvents()
                time.sleep(0.01)
            if win.provider.error:
                raise RuntimeError(f"the window could not load the model: {win.provider.error}")
            tabs = [win.tabs.tabText(i).replace("&", "") for i in range(win.tabs.count())]
            win.close()
            QApplication.processEvents()
        return f"opened and closed on '{app.platformName()}' with workspaces {', '.join(tabs)}"

    checks.run("main window", window)
    print("self-check passed" if not checks.failed else f"self-check FAILED ({checks.failed} problem(s))", file=out)
    return 0 if not checks.failed else 1
