"""Time from process start to a usable main window, and to the model being ready.

Runs ``python -m digitdesk`` with DIGITDESK_STARTUP_PROBE set: the app prints a timestamp once the
window has shown and the event loop has turned, and another when the model has loaded, then
quits. The clock starts just before the process is spawned, so interpreter start-up and every
import count. Baseline, measured in the same run: a bare PySide6 QApplication showing an empty
QMainWindow, timed the same way. Also printed: the longest gap in the window's event loop while
the model loads in the background (a 10 ms QTimer), i.e. how usable the window is meanwhile.

    python benchmarks/gui_startup.py [--runs 7] [--model FILE.onnx]

Uses Qt's offscreen platform unless a display is available (run under xvfb-run for X11).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1100, 720); w.show()
QTimer.singleShot(0, lambda: (print(f"window-shown {time.time():.6f}", flush=True), app.quit()))
app.exec()
"""


def _launch(cmd: list[str], env: dict) -> dict[str, float]:
    start = time.time()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    marks = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("window-shown", "model-ready"):
            marks[parts[0]] = float(parts[1]) - start
        elif len(parts) == 2 and parts[0] == "max-gap-ms":
            marks["max-gap"] = float(parts[1]) / 1000
        elif parts and parts[0] == "model-failed":
            sys.exit(f"the model failed to load: {line}")
    if "window-shown" not in marks:
        sys.exit(f"no startup mark from {cmd}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", help="model file (default: the shipped one)")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DIGITDESK_STARTUP_PROBE="1")
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("XDG_CONFIG_HOME", "/tmp/digitdesk-bench-config")   # leave the user's settings alone
    app_cmd = [sys.executable, "-m", "digitdesk"] + (["--model", args.model] if args.model else [])
    base_cmd = [sys.executable, "-c", BASELINE]
    _launch(app_cmd, env)  # warm the file cache; not counted
    window, model, base, gap = [], [], [], []
    for _ in range(args.runs):
        marks = _launch(app_cmd, env)
        window.append(marks["window-shown"])
        model.append(marks.get("model-ready", float("nan")))
        gap.append(marks.get("max-gap", float("nan")))
        base.append(_launch(base_cmd, env)["window-shown"])
    med = statistics.median
    print(f"platform: {env.get('QT_QPA_PLATFORM', 'display')}, runs: {args.runs}, cores: {os.cpu_count()}")
    print(f"digitdesk window shown + first event-loop turn: median {med(window) * 1000:.0f} ms "
          f"(min {min(window) * 1000:.0f}, max {max(window) * 1000:.0f})")
    print(f"digitdesk model ready (reading possible):       median {med(model) * 1000:.0f} ms "
          f"(min {min(model) * 1000:.0f}, max {max(model) * 1000:.0f})")
    print(f"longest event-loop gap while the model loads: median {med(gap) * 1000:.0f} ms "
          f"(max {max(gap) * 1000:.0f}) (a 10 ms timer in the window)")
    print(f"baseline: bare PySide6 empty window:            median {med(base) * 1000:.0f} ms")
    print(f"ratio window / baseline: {med(window) / med(base):.2f}")


if __name__ == "__main__":
    main()
