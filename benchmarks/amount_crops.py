"""Amounts cut from cheque scans, read as pictures of their own: exact-amount accuracy.

    python benchmarks/amount_crops.py [--count 600] [--seed 7000] [--folder DIR] [--workers N]

Held-out sets of courtesy amounts come as crops, not pages, and ``digitdesk classify --mode
number`` reads each as a whole picture. This generates ``--count`` crops (tests.synth.crops: the
amount box where the scanner put it, each side moved by a random margin, so a crop may cut the
box's sides off or take in the printed "$" beside it; the scan's format kept) unless
``--folder`` holds them, then measures in the same run:

* ``digitdesk classify --mode number`` and ``digitdesk classify`` (auto mode) on the folder,
  the whole process timed;
* the baseline: the same number reader on the whole picture, nothing left out (what
  ``--mode number`` did before it looked for a box in the picture);
* the plain pipeline: threshold, connected components, each blob classified by the CNN.

Prints exact amounts by box style and format, and how well the confidence separates right from
wrong readings. Seeds 7000-7599 are the crop benchmark; nothing was tuned on them beyond the
choice of a single rule set (margins seen while building it: crops of seeds 5000-5599).
Nothing is asserted: figures are for the note.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_model = None


def _generate(args) -> dict:
    from tests.synth.crops import write_crop

    return write_crop(*args)


def generate(folder: Path, count: int, seed: int, workers: int) -> list[dict]:
    """:func:`tests.synth.crops.write_crops` on all workers (the same crops, formats in turn)."""
    from tests.synth import FORMATS
    from tests.synth.crops import write_truth

    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(folder), seed + i, FORMATS[i % len(FORMATS)]) for i in range(count)]
    with Pool(workers) as pool:
        rows = pool.map(_generate, jobs, chunksize=8)
    write_truth(folder, rows)
    return rows


def _init() -> None:
    global _model
    from digitdesk.model import DigitModel

    _model = DigitModel(threads=1)


def _picture(path: str):
    from digitdesk.loading import open_pages

    return next(iter(open_pages(path))).gray


def _whole(path: str) -> str:
    """The number reader on the whole picture, nothing left out (the baseline)."""
    from digitdesk.numbers.reading import read_number_ink
    from digitdesk.preprocess import ink_map

    try:
        return read_number_ink(ink_map(_picture(path)), _model).text
    except Exception:  # no ink: an empty reading, as the CLI's error row
        return ""


def _plain(path: str) -> str:
    from benchmarks.common import plain_pipeline

    return plain_pipeline(_picture(path), _model)


def classify(folder: Path, mode: str | None, workers: int) -> tuple[dict, float]:
    """``digitdesk classify`` on the folder as a whole process: {file: row}, seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.csv"
        cmd = [sys.executable, "-m", "digitdesk", "classify", "-q", "--workers", str(workers), "-o", str(out),
               *(["--mode", mode] if mode else []), str(folder)]
        t = time.perf_counter()
        subprocess.run(cmd, check=False, cwd=ROOT)
        seconds = time.perf_counter() - t
        with open(out, newline="", encoding="utf-8") as f:
            return {Path(r["file"]).name: r for r in csv.DictReader(f)}, seconds


def report(name: str, truth: list[dict], got: dict, baseline: int | None = None) -> int:
    right = [got.get(t["file"], "") == t["amount"] for t in truth]
    n = sum(right)
    ratio = f"   {n / baseline:.2f}x the baseline" if baseline else ""
    print(f"  {name:<34} {100 * n / len(truth):6.2f}%  ({n}/{len(truth)}){ratio}")
    return n


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7000)
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    tmp = None
    folder = args.folder
    if folder is None:
        tmp = tempfile.TemporaryDirectory()
        folder = Path(tmp.name)
    if not (folder / "truth.csv").is_file():
        t = time.perf_counter()
        generate(folder, args.count, args.seed, args.workers)
        print(f"generated {args.count} crops in {time.perf_counter() - t:.0f} s into {folder}")
    with open(folder / "truth.csv", newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    paths = [str(folder / t["file"]) for t in truth]

    with Pool(args.workers, initializer=_init) as pool:
        whole = dict(zip([t["file"] for t in truth], pool.map(_whole, paths, chunksize=8)))
        plain = dict(zip([t["file"] for t in truth], pool.map(_plain, paths, chunksize=8)))
    number, seconds = classify(folder, "number", args.workers)
    auto, auto_seconds = classify(folder, None, args.workers)

    seeds = sorted(int(t["file"].split("_")[1]) for t in truth)
    print(f"\n{len(truth)} amount crops (seeds {seeds[0]}-{seeds[-1]}), {args.workers} workers")
    base = report("whole picture, nothing left out", truth, whole)
    report("plain pipeline", truth, plain)
    report("digitdesk classify --mode number", truth, {k: r["prediction"] for k, r in number.items()}, base)
    report("digitdesk classify (auto mode)", truth, {k: r["prediction"] for k, r in auto.items()}, base)
    print(f"  --mode number: {len(truth) / seconds:.0f} crops/s, whole process; auto: {len(truth) / auto_seconds:.0f} crops/s")

    by = Counter(), Counter()
    for t in truth:
        for key in (t["style"], t["file"].split("_")[2].split(".")[0]):
            by[0][key] += 1
            by[1][key] += number.get(t["file"], {}).get("prediction") == t["amount"]
    print("  --mode number by style and format: " + ", ".join(f"{k} {100 * by[1][k] / by[0][k]:.1f}% of {by[0][k]}" for k in by[0]))
    ok = [t for t in truth if number.get(t["file"], {}).get("status") == "ok"]
    ok_right = sum(number[t["file"]]["prediction"] == t["amount"] for t in ok)
    wrong = len(truth) - sum(number.get(t["file"], {}).get("prediction") == t["amount"] for t in truth)
    print(f"  status ok: {100 * len(ok) / len(truth):.1f}% of crops, {100 * ok_right / max(1, len(ok)):.2f}% of them right; "
          f"review catches {wrong - (len(ok) - ok_right)}/{wrong} errors")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
