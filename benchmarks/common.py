"""Helpers for the benchmark scripts: test folders made from MNIST, process-tree memory, floors."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def mnist_test():
    path = DATA / "mnist.npz"
    if not path.is_file():
        sys.exit(f"benchmark needs {path}")
    with np.load(path) as d:
        return d["x_test"], d["y_test"]


def write_digit_folder(folder: Path, count: int, dark_on_white: bool = True) -> dict[str, int]:
    """``count`` MNIST test digits as PNGs (cycled), named so their label can be checked."""
    x, y = mnist_test()
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(count):
        k = i % len(x)
        name = f"{i:06d}.png"
        if not (folder / name).exists():
            Image.fromarray(255 - x[k] if dark_on_white else x[k]).save(folder / name)
        truth[name] = int(y[k])
    return truth


def _decode(paths: list[str]) -> int:
    for p in paths:
        with Image.open(p) as im:
            im.load()
    return len(paths)


def decode_floor(paths: list[str], workers: int | None = None) -> float:
    """Files per second when Pillow only decodes the files, on every core: the floor to beat."""
    workers = workers or os.cpu_count() or 1
    chunks = [paths[i : i + 256] for i in range(0, len(paths), 256)]
    with Pool(workers) as pool:
        pool.map(_decode, chunks[:2])  # start-up outside the timing
        t = time.perf_counter()
        n = sum(pool.map(_decode, chunks))
        return n / (time.perf_counter() - t)


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for child in open(f"/proc/{p}/task/{p}/children").read().split():
                todo.append(int(child))
        except OSError:
            pass
    return total


def run_measured(cmd: list[str], **kw) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``cmd``; return it, its wall time, and the peak RSS (MiB) of its whole process tree."""
    peak = [0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    watcher.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak[0] / 1024


CLI = [sys.executable, "-c", "import sys; from digitdesk.cli import main; sys.exit(main(sys.argv[1:]))"]


def plain_pipeline(gray, model) -> str:
    """The plain pipeline a cheque reader is measured against: threshold, connected components
    (left to right), each blob of 30 pixels or more classified by the digit CNN."""
    from scipy import ndimage

    from digitdesk.preprocess import NoInkError, ink_map, normalize_digit

    try:
        ink = ink_map(gray)
    except NoInkError:
        return ""
    labels, n = ndimage.label(ink > 0.5, structure=np.ones((3, 3)))
    images = []
    for i, sl in sorted(enumerate(ndimage.find_objects(labels), start=1), key=lambda t: t[1][1].start):
        part = np.where(labels[sl] == i, ink[sl], 0.0)
        if (labels[sl] == i).sum() < 30:
            continue
        try:
            images.append(normalize_digit(part))
        except NoInkError:
            continue
    if not images:
        return ""
    return "".join(str(int(k)) for k in model.predict(np.stack(images)).argmax(axis=1))
