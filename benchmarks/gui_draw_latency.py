"""Milliseconds per live update of the Draw workspace, while a stroke is being written.

One update is what happens after each mouse move: render the strokes to the recogniser's
240x120 picture (UI thread), then read it (worker thread: preprocessing + model). Both are timed
separately over real strokes drawn on the canvas (MNIST test digits redrawn row by row, then a
two-digit number), in each reading mode. Baseline, same run: the model alone on one 28x28 input.

    python benchmarks/gui_draw_latency.py [--digits 30] [--model FILE.onnx]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import digitdesk.gui  # noqa: E402,F401
from benchmarks.common import mnist_test  # noqa: E402


def pct(values, q):
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digits", type=int, default=30)
    parser.add_argument("--model")
    args = parser.parse_args()

    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from digitdesk.gui.canvas import DrawingCanvas
    from digitdesk.gui.reading import read_picture
    from digitdesk.model import shared_model
    from digitdesk.preprocess import NoInkError

    app = QApplication.instance() or QApplication([])
    model = shared_model(args.model)
    canvas = DrawingCanvas()
    canvas.resize(720, 360)
    images, _ = mnist_test()

    render_ms, read_ms = {"digit": [], "auto": []}, {"digit": [], "auto": []}

    def update(mode: str) -> None:
        t0 = time.perf_counter()
        gray = canvas.render_gray()
        t1 = time.perf_counter()
        try:
            read_picture(gray, model, mode)
        except NoInkError:
            pass
        t2 = time.perf_counter()
        render_ms[mode].append((t1 - t0) * 1000)
        read_ms[mode].append((t2 - t1) * 1000)

    def stroke(points, mode):
        """Feed a stroke point by point as mouse moves would, one update per move."""
        canvas._begin(canvas.from_paper(QPointF(*points[0])))
        for x, y in points[1:]:
            canvas._extend(canvas.from_paper(QPointF(x, y)))
            update(mode)
        canvas._end()

    for mode in ("digit", "auto"):
        for k in range(args.digits):
            canvas.clear()
            ink = images[k] > 100
            for row in range(28):
                cols = np.flatnonzero(ink[row])
                if cols.size:
                    y = 40 + (row + 0.5) * 10
                    xs = np.linspace(220 + cols[0] * 10, 220 + cols[-1] * 10 + 5, 6)
                    stroke([(x, y) for x in xs], mode)
        canvas.clear()
        stroke([(200, 50), (200, 180), (200, 310)], mode)                        # 1
        stroke([(380, 60), (450, 60), (520, 60), (470, 180), (430, 310)], mode)   # 7

    # Baseline: the model alone on one input.
    x = np.zeros((1, 28, 28), np.float32)
    for _ in range(20):
        model.predict(x)
    base = []
    for _ in range(300):
        t = time.perf_counter()
        model.predict(x)
        base.append((time.perf_counter() - t) * 1000)

    print(f"updates measured: {len(read_ms['digit'])} per mode, cores: {os.cpu_count()}")
    for mode in ("digit", "auto"):
        total = [a + b for a, b in zip(render_ms[mode], read_ms[mode])]
        print(f"mode {mode:5s}: render median {statistics.median(render_ms[mode]):.2f} ms; "
              f"read median {statistics.median(read_ms[mode]):.2f} ms; "
              f"update median {statistics.median(total):.2f} ms, p95 {pct(total, 95):.2f} ms, max {max(total):.2f} ms")
    print(f"baseline: model.predict on one input, median {statistics.median(base):.2f} ms")
    app.quit()


if __name__ == "__main__":
    main()
