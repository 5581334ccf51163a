"""Milliseconds per live update of the Draw workspace, while a stroke is being written.

One update is what happens after each mouse move: render the strokes to the recogniser's
240x120 picture (UI thread), then read it (worker thread: preprocessing + model). Both are timed
separately over real strokes drawn on the canvas (MNIST test digits redrawn row by row, then a
two-digit number), in each reading mode. Baseline, same run: the model alone on one 28x28 input.

The app path (``--app-digits``, auto mode) then drives the real Draw workspace: mouse events at
125 Hz (8 ms apart, 24 ms pen-up between strokes) reach the canvas through Qt, the live reader
reads on its thread, and the reading is shown. Per mouse event it reports the time until a
reading that includes that event is on screen, the UI thread's time per event and per shown
reading, and how many readings the worker ran. ``--profile`` adds where the auto-mode reading's
CPU time goes, by function (thread CPU time, so a busy machine does not inflate it).

    python benchmarks/gui_draw_latency.py [--digits 30] [--app-digits 10] [--profile] [--model FILE.onnx]
"""

from __future__ import annotations

import argparse
import bisect
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
    parser.add_argument("--app-digits", type=int, default=10, help="digits drawn through the app path (0: skip)")
    parser.add_argument("--profile", action="store_true", help="where the auto-mode reading's time goes")
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
    cpu_ms = {"digit": [], "auto": []}   # the same update in this thread's CPU time: load-proof

    def update(mode: str) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        gray = canvas.render_gray()
        t1 = time.perf_counter()
        try:
            read_picture(gray, model, mode)
        except NoInkError:
            pass
        t2, c2 = time.perf_counter(), time.thread_time()
        render_ms[mode].append((t1 - t0) * 1000)
        read_ms[mode].append((t2 - t1) * 1000)
        cpu_ms[mode].append((c2 - c0) * 1000)

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
              f"update median {statistics.median(total):.2f} ms, p95 {pct(total, 95):.2f} ms, max {max(total):.2f} ms "
              f"(CPU median {statistics.median(cpu_ms[mode]):.2f} ms, p95 {pct(cpu_ms[mode], 95):.2f} ms)")
    print(f"baseline: model.predict on one input, median {statistics.median(base):.2f} ms")
    if args.profile:
        profile_auto(canvas, images, model, args.digits)
    if args.app_digits > 0:
        app_path(model, images, args.app_digits)
    app.quit()


def digit_strokes(image, left=220.0, top=40.0, cell=10.0):
    """An MNIST digit as strokes in paper units: one per ink row, 6 points each."""
    ink = image > 100
    strokes = []
    for row in range(28):
        cols = np.flatnonzero(ink[row])
        if cols.size:
            y = top + (row + 0.5) * cell
            xs = np.linspace(left + cols[0] * cell, left + cols[-1] * cell + 5, 6)
            strokes.append([(x, y) for x in xs])
    return strokes


def profile_auto(canvas, images, model, digits: int) -> None:
    """Thread-CPU profile of auto-mode reading over the pictures a live stroke produces."""
    import cProfile
    import pstats

    from PySide6.QtCore import QPointF

    from digitdesk.gui.live_reader import digit_probabilities
    from digitdesk.gui.reading import read_picture
    from digitdesk.preprocess import NoInkError

    grays = []
    for k in range(digits):
        canvas.clear()
        for points in digit_strokes(images[k]):
            canvas._begin(canvas.from_paper(QPointF(*points[0])))
            for x, y in points[1:]:
                canvas._extend(canvas.from_paper(QPointF(x, y)))
                grays.append(canvas.render_gray())
            canvas._end()
    canvas.clear()

    def read_all():
        for gray in grays:
            try:
                digit_probabilities(read_picture(gray, model, "auto"), model)
            except NoInkError:
                pass

    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    read_all()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(v[3] for (_, _, name), v in stats.items() if name == "read_picture") or 1e-9
    rows = sorted(((v[3], v[1], f"{Path(f).parent.name}/{Path(f).name}:{name}") for (f, _, name), v in stats.items()
                   if "digitdesk" in f and name not in ("read_picture", "<listcomp>", "<genexpr>", "<lambda>")),
                  reverse=True)
    n = len(grays)
    print(f"profile, auto mode, {n} live pictures (thread CPU, profiled: {total * 1000 / n:.2f} ms per reading):")
    for cum, calls, name in rows[:18]:
        print(f"  {name:48s} {calls / n:5.2f} calls/reading  {cum * 1000 / n:6.2f} ms  {cum / total:6.1%}")


def app_path(model, images, digits: int, interval_ms: float = 8.0, pen_up_ms: float = 24.0) -> None:
    """Mouse events through Qt into the Draw workspace; event-to-reading-shown latency."""
    from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from digitdesk.gui.draw_page import DrawPage

    page = DrawPage()
    page.resize(1100, 560)
    page.show()
    page.set_mode("auto")
    page.set_model(model)
    canvas, live = page.canvas, page.live
    events, shown, ui_event_ms, ui_show_ms = [], {}, [], []
    rendered = {"last": None}
    render_gray = canvas.render_gray

    def kept_render():
        rendered["last"] = render_gray()
        return rendered["last"]

    canvas.render_gray = kept_render
    live.readingReady.disconnect(page._show_reading)

    def timed_show(result):
        t = time.perf_counter()
        page._show_reading(result)
        now = time.perf_counter()
        ui_show_ms.append((now - t) * 1000)
        shown[result.serial] = now

    live.readingReady.connect(timed_show)
    loop, timer = QEventLoop(), QTimer()
    timer.setSingleShot(True)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(loop.quit)

    def wait(ms):   # the event loop runs (and the UI thread sleeps in it) meanwhile
        timer.start(max(int(round(ms)), 0))
        loop.exec()

    def send(kind, point, button, buttons):
        """One mouse event; remembers whether it changed the picture and which drawing covers it."""
        pos = canvas.from_paper(QPointF(*point))
        event = QMouseEvent(kind, pos, QPointF(canvas.mapToGlobal(pos.toPoint())), button, buttons,
                            Qt.KeyboardModifier.NoModifier)
        before = rendered["last"]
        t = time.perf_counter()
        QApplication.sendEvent(canvas, event)
        ui_event_ms.append((time.perf_counter() - t) * 1000)
        after = rendered["last"]
        changed = after is not None and (before is None or not np.array_equal(before, after))
        events.append((t, changed, live.last_serial))

    left = Qt.MouseButton.LeftButton
    wait(200)
    ui_cpu = time.thread_time()
    for k in range(digits):
        canvas.clear()
        wait(50)
        for points in digit_strokes(images[1000 + k]):
            send(QEvent.Type.MouseButtonPress, points[0], left, left)
            for point in points[1:]:
                wait(interval_ms)
                send(QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, left)
            wait(interval_ms)
            send(QEvent.Type.MouseButtonRelease, points[-1], left, Qt.MouseButton.NoButton)
            wait(pen_up_ms)
        wait(100)
    ui_cpu = (time.thread_time() - ui_cpu) * 1000
    page.shutdown()

    # For each event that changed the picture: when the first reading of it (or of a later
    # drawing, which includes it) was on screen.
    shown_serials = sorted(shown)
    latency, missing = [], 0
    changed = [(t, serial) for t, c, serial in events if c]
    for t_event, serial in changed:
        later = [shown[s] for s in shown_serials[bisect.bisect_left(shown_serials, serial):][:8]]
        if later:
            latency.append((min(later) - t_event) * 1000)
        else:
            missing += 1
    print(f"app path, auto mode, {digits} digits: {len(events)} mouse events {interval_ms:.0f} ms apart "
          f"({len(changed)} changed the picture), {live.last_serial} pictures handed to the reader, "
          f"{len(shown)} readings shown")
    print(f"  event -> its reading shown: median {statistics.median(latency):.2f} ms, p95 {pct(latency, 95):.2f} ms, "
          f"max {max(latency):.2f} ms ({missing} never shown)")
    print(f"  UI thread: handling a mouse event median {statistics.median(ui_event_ms):.2f} ms, p95 {pct(ui_event_ms, 95):.2f} ms; "
          f"showing a reading median {statistics.median(ui_show_ms):.2f} ms; "
          f"CPU in all (events, painting, readings shown) {ui_cpu / len(events):.2f} ms per mouse event")


if __name__ == "__main__":
    main()
