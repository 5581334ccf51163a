"""Test images for the packaging checks, and the check of the CSV that digitdesk writes for them.

    python sample_digits.py write FOLDER        draw the images into FOLDER (made)
    python sample_digits.py check FILE.csv LABEL   exit 1 unless every image was read right

Shapes any digit model reads (a ring, a stroke, and the two side by side as the number 10),
drawn dark on white like a scan, so they also go through the number path. Needs only Pillow:
the clean-install check runs this with the fresh venv's Python, the bundle check with the
build's Python.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

EXPECTED = {"digit0.png": "0", "digit1.png": "1", "number10.png": "10"}
COLUMNS = ["file", "page", "field", "prediction", "confidence", "status", "error"]


def write(folder: Path) -> list[Path]:
    from PIL import Image, ImageDraw

    def one(draw):
        draw.line((62, 25, 58, 135), fill=0, width=12)

    def zero(draw, dx=0):
        draw.ellipse((30 + dx, 25, 90 + dx, 135), outline=0, width=12)

    folder.mkdir(parents=True)
    images = {
        "digit0.png": ((120, 160), [zero]),
        "digit1.png": ((120, 160), [one]),
        "number10.png": ((260, 160), [one, lambda d: zero(d, 110)]),
    }
    for name, (size, strokes) in images.items():
        im = Image.new("L", size, 255)
        draw = ImageDraw.Draw(im)
        for stroke in strokes:
            stroke(draw)
        im.save(folder / name)
    return [folder / name for name in images]


def check(rows: list[dict], label: str) -> list[str]:
    """Problems with the rows; empty when every sample was read as expected."""
    if not rows:
        return [f"{label}: no rows"]
    missing = [c for c in COLUMNS if c not in rows[0]]
    if missing:
        return [f"{label}: the CSV lacks the columns {missing}"]
    got = {Path(r["file"]).name: r for r in rows}
    problems = []
    for name, reading in EXPECTED.items():
        row = got.get(name)
        if row is None:
            problems.append(f"{label}: no row for {name}")
        elif row["prediction"] != reading or row["status"] not in ("ok", "review"):
            problems.append(f"{label}: {name} read as {row['prediction']!r} "
                            f"(status {row['status']} {row['error']}), expected {reading}")
    return problems


def report(rows: list[dict], label: str) -> None:
    for row in rows:
        print(f"   {label}: {Path(row['file']).name} -> {row['prediction']} "
              f"({float(row['confidence'] or 0):.3f}, {row['status']})")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "write":
        print("   " + ", ".join(p.name for p in write(Path(argv[1]))))
        return 0
    if len(argv) == 3 and argv[0] == "check":
        with open(argv[1], newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        problems = check(rows, argv[2])
        report(rows, argv[2])
        for problem in problems:
            print(f"FAIL: {problem}", file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
