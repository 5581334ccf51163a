"""Whole-process throughput of `digitdesk classify --mode digit` on MNIST-sized PNGs.

Prints files/s for the CLI and for a decode-only floor (Pillow decoding the same files on every
core, nothing else) measured in the same run, their ratio, the accuracy, and peak RSS of the
whole process tree at two folder sizes (memory must not grow with the folder).

    python benchmarks/throughput.py                # 50,000 files; RSS at 10k and 100k
    python benchmarks/throughput.py --files 5000 --rss 2000 10000
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import CLI, ROOT, decode_floor, run_measured, write_digit_folder  # noqa: E402


def classify(folder: Path, extra: list[str] = ()) -> tuple[list[dict], float, float]:
    proc, wall, rss = run_measured(CLI + [str(folder), "--mode", "digit", "-q", *extra], cwd=ROOT,
                                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if proc.returncode not in (0, 1):
        sys.exit(f"classify failed ({proc.returncode}): {proc.stderr}")
    return list(csv.DictReader(io.StringIO(proc.stdout))), wall, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--rss", type=int, nargs="*", default=[10_000, 100_000], help="folder sizes for memory")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each side, interleaved")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "digitdesk-bench"))
    args = ap.parse_args()

    work = Path(args.work)
    folder = work / f"digits-{args.files}"
    truth = write_digit_folder(folder, args.files)
    paths = sorted(str(folder / n) for n in truth)
    print(f"{args.files} MNIST test digits as dark-on-white PNGs, {os.cpu_count()} cores")

    # Both sides are timed the same number of times, interleaved, and the best run of each is
    # kept: on this virtual machine a run can take 30 % longer than the next for no reason of
    # its own, and a passing spike must flatter neither side.
    floors, runs = [], []
    for _ in range(args.runs):
        floors.append(decode_floor(paths))
        runs.append(classify(folder))
    floor = max(floors)
    rows, wall, rss = min(runs, key=lambda r: r[1])
    rate = len(paths) / wall
    correct = sum(int(r["prediction"] == str(truth[r["file"]])) for r in rows)
    print(f"decode-only floor     : {floor:10,.0f} files/s  (best of {', '.join(f'{f:,.0f}' for f in floors)})")
    print(f"digitdesk classify    : {rate:10,.0f} files/s  ({wall:.1f} s wall, whole process; "
          f"best of {', '.join(f'{len(paths) / r[1]:,.0f}' for r in runs)})")
    print(f"ratio to floor        : {rate / floor:10.2f}x   (target >= 0.5x)")
    print(f"accuracy              : {correct / len(rows):10.2%}   ({len(rows)} rows)")
    print(f"peak RSS, {args.files:>7,} files: {rss:7.0f} MiB (process tree)")
    for n in args.rss:
        sub = work / f"digits-{n}"
        write_digit_folder(sub, n)
        _, w, r = classify(sub)
        print(f"peak RSS, {n:>7,} files: {r:7.0f} MiB (process tree), {n / w:,.0f} files/s")


if __name__ == "__main__":
    main()
