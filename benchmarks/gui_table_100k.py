"""The Batch results table at 100,000 rows: appending, scrolling, filtering, sorting, correcting.

Each operation is timed as the UI thread sees it (the call plus the repaint it causes, via
``processEvents``), on a QTableView showing the real ResultsModel behind the real ResultsFilter,
with the lazy thumbnail loader attached. Baseline, same run: the same operations on a Qt
QStandardItemModel holding the same 100,000 rows as plain text (its sorting and filtering run
in C++), which is what "smooth" is measured against.

    python benchmarks/gui_table_100k.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import digitdesk.gui  # noqa: E402,F401


def synthetic(n: int):
    from digitdesk.results import ERROR, OK, REVIEW, Result

    rng = random.Random(0)
    kinds = [OK, OK, OK, REVIEW, ERROR]
    out = []
    for i in range(n):
        s = rng.choice(kinds)
        out.append(Result(file=f"scans/f{i:06d}.png", prediction=str(rng.randrange(10000)),
                          confidence=rng.random(), status=s, error="bad file" if s == ERROR else "",
                          path=f"/nonexistent/f{i:06d}.png"))
    return out


def timed(app, fn) -> float:
    for _ in range(20):           # settle first: queued thumbnail updates belong to the scroll before
        app.processEvents()
    t = time.perf_counter()
    fn()
    app.processEvents()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=500, help="rows per append (the batch runner's chunk)")
    args = parser.parse_args()

    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

    from digitdesk.gui.results_model import CONFIDENCE, FILE, READING, ResultsFilter, ResultsModel
    from digitdesk.gui.thumbnails import ThumbnailLoader

    app = QApplication.instance() or QApplication([])
    results = synthetic(args.rows)

    def make_view(model):
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(44)
        view.verticalHeader().hide()          # as in the Batch workspace
        view.resize(1100, 700)
        view.show()
        app.processEvents()
        return view

    def scroll_times(view, count: int = 60) -> list[float]:
        bar = view.verticalScrollBar()
        rng = random.Random(1)
        return [timed(app, lambda: (bar.setValue(rng.randrange(bar.maximum() + 1)), view.viewport().repaint()))
                for _ in range(count)]

    # --- digitdesk's model --------------------------------------------------------------------------
    loader = ThumbnailLoader()
    model = ResultsModel(loader)
    proxy = ResultsFilter()
    proxy.setSourceModel(model)
    view = make_view(proxy)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    appends = [timed(app, lambda s=s: model.append(results[s : s + args.chunk]))
               for s in range(0, len(results), args.chunk)]
    ours = {
        "append chunk (max)": max(appends),
        "scroll + repaint (median)": statistics.median(scroll_times(view)),
        "filter review+error": timed(app, lambda: proxy.set_statuses(("review", "error"))),
        "filter off": timed(app, lambda: proxy.set_statuses(None)),
        "filter file name": timed(app, lambda: proxy.set_text("f0999")),
        "filter name off": timed(app, lambda: proxy.set_text("")),
        "sort by confidence": timed(app, lambda: view.sortByColumn(CONFIDENCE, Qt.SortOrder.AscendingOrder)),
        "sort by file, descending": timed(app, lambda: view.sortByColumn(FILE, Qt.SortOrder.DescendingOrder)),
        "correct one reading": timed(app, lambda: proxy.setData(proxy.index(5, READING), "1234")),
    }
    ours["scroll + repaint, sorted (median)"] = statistics.median(scroll_times(view))
    thumbs = loader.requested
    loader.stop()

    # --- baseline: QStandardItemModel, all in C++ --------------------------------------------------------
    std = QStandardItemModel(0, 7)
    t = time.perf_counter()
    for r in results:
        std.appendRow([QStandardItem(""), QStandardItem(r.file), QStandardItem(str(r.page)), QStandardItem(r.field),
                       QStandardItem(r.prediction), QStandardItem(f"{r.confidence:.1%}"), QStandardItem(r.status)])
    std_fill = (time.perf_counter() - t) * 1000
    sproxy = QSortFilterProxyModel()
    sproxy.setSourceModel(std)
    sproxy.setFilterKeyColumn(6)
    sview = make_view(sproxy)
    base = {
        "scroll + repaint (median)": statistics.median(scroll_times(sview)),
        "filter review+error": timed(app, lambda: sproxy.setFilterRegularExpression("^(review|error)$")),
        "filter off": timed(app, lambda: sproxy.setFilterRegularExpression("")),
        "sort by confidence": timed(app, lambda: sproxy.sort(5, Qt.SortOrder.AscendingOrder)),
        "sort by file, descending": timed(app, lambda: sproxy.sort(1, Qt.SortOrder.DescendingOrder)),
    }

    print(f"rows: {args.rows:,}, appended in chunks of {args.chunk} ({len(appends)} chunks); cores: {os.cpu_count()}")
    print(f"thumbnails requested while all that ran: {thumbs} (only rows that were painted)")
    print(f"{'operation':36s} {'digitdesk':>12s} {'baseline':>12s}")
    for name, ms in ours.items():
        b = base.get(name)
        print(f"{name:36s} {ms:10.1f} ms {('%10.1f ms' % b) if b is not None else '':>12s}")
    print(f"baseline QStandardItemModel fill: {std_fill:.0f} ms for {args.rows:,} rows (digitdesk appends stream in)")


if __name__ == "__main__":
    main()
