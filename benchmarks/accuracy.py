"""Accuracy of `digitdesk classify --mode digit` on digits unlike MNIST's own files.

Each set is written to disk as a person would have it and read back through the CLI (the whole
path: decoding, preprocessing, model). The baseline in the same run is a plain pipeline with the
same model: resize the picture to 28x28, make the ink white, no MNIST normalisation.

    python benchmarks/accuracy.py            # all sets
    python benchmarks/accuracy.py --limit 2000
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import CLI, DATA, ROOT, run_measured  # noqa: E402


def sets(limit: int | None):
    with np.load(DATA / "mnist.npz") as d:
        x, y = d["x_test"][:limit], d["y_test"][:limit]
    with np.load(DATA / "usps_train.npz") as d:
        ux, uy = d["x"][:limit], d["y"][:limit]
    yield "MNIST test, dark on white PNG", [Image.fromarray(255 - a) for a in x], y
    yield "USPS 16x16 postal scans, dark on white", [Image.fromarray(255 - a) for a in ux], uy
    yield "USPS binarised 16x16 (1-bit PNG)", [Image.fromarray(a >= 128).convert("1") for a in ux], uy
    canvas = [Image.fromarray(a).resize((280, 280), Image.BILINEAR).point(lambda v: 0 if v > 100 else 255) for a in x]
    yield "MNIST drawn big (280 px canvas, binary)", canvas, y


def plain_baseline(images, labels) -> float:
    """Resize to 28x28, ink white: what a tutorial pipeline does."""
    from digitdesk.model import shared_model

    batch = []
    for im in images:
        a = np.asarray(im.convert("L").resize((28, 28), Image.BILINEAR), dtype=np.float32) / 255
        batch.append(1 - a if a.mean() > 0.5 else a)
    p = shared_model().predict(np.stack(batch))
    return float(np.mean(p.argmax(1) == labels))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="images per set")
    args = ap.parse_args()
    print(f"{'set':44s} {'digitdesk':>10s} {'plain resize':>13s} {'files/s':>9s}")
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, images, labels) in enumerate(sets(args.limit)):
            folder = Path(tmp) / f"set{k}"
            folder.mkdir()
            for i, im in enumerate(images):
                im.save(folder / f"{i:05d}.png")
            proc, wall, _ = run_measured(CLI + [str(folder), "--mode", "digit", "-q"], cwd=ROOT,
                                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
            rows = list(csv.DictReader(io.StringIO(proc.stdout)))
            pred = {r["file"]: r["prediction"] for r in rows}
            acc = np.mean([pred.get(f"{i:05d}.png") == str(v) for i, v in enumerate(labels)])
            print(f"{name:44s} {acc:10.2%} {plain_baseline(images, labels):13.2%} {len(images) / wall:9,.0f}")


if __name__ == "__main__":
    main()
