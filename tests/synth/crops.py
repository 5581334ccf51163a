"""Amounts cut out of cheque scans, the way a dataset of courtesy amounts or a clerk cuts them.

A crop is the amount box's rectangle where the scanner put it, each side moved by a random
margin: a tight cut takes off a side of the box, a loose one takes in the printed ``$`` beside
it, the end of the payee line or a stroke of the date. The written amount itself is never cut.
Underlined and unboxed amounts are cut around the same rectangle. Each crop keeps its scan's
format (a G4 crop is bitonal, a JPEG one has its artefacts).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image

from .cheque import BOX, HEIGHT, WIDTH, Cheque, make_cheque
from .files import FORMATS, SUFFIX, save_image, to_pil

# Each side of the box moves out by up to this share of the box's height (in by up to INSET px).
MARGIN, INSET = 0.45, 6


def scan_point(cheque: Cheque, x: float, y: float) -> tuple[float, float]:
    """Where the scanner's turn and shift put the page point (x, y) (Pillow's rotate about the
    centre, then the translation)."""
    t = math.radians(cheque.skew_deg)
    cx, cy = WIDTH / 2, HEIGHT / 2
    dx, dy = cheque.offset_px
    return (cx + math.cos(t) * (x - cx) + math.sin(t) * (y - cy) + dx,
            cy - math.sin(t) * (x - cx) + math.cos(t) * (y - cy) + dy)


def _bounds(cheque: Cheque, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    pts = [scan_point(cheque, x, y) for x in (x0, x1) for y in (y0, y1)]
    return min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)


def crop_rect(cheque: Cheque, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """The crop's (left, top, right, bottom) on the scan: the box moved by random margins,
    widened where it would cut the written amount."""
    bx0, by0, bx1, by1 = _bounds(cheque, *BOX)
    reach = MARGIN * (BOX[3] - BOX[1])
    left, top, right, bottom = (bx0 - rng.uniform(-INSET, reach), by0 - rng.uniform(-INSET, reach),
                                bx1 + rng.uniform(-INSET, reach), by1 + rng.uniform(-INSET, reach))
    xs = [b[0] for b in cheque.amount_boxes] + [b[0] + b[2] for b in cheque.amount_boxes]
    ys = [b[1] for b in cheque.amount_boxes] + [b[1] + b[3] for b in cheque.amount_boxes]
    ix0, iy0, ix1, iy1 = _bounds(cheque, min(xs), min(ys), max(xs), max(ys))
    left, top = min(left, ix0 - 4), min(top, iy0 - 4)
    right, bottom = max(right, ix1 + 4), max(bottom, iy1 + 4)
    return (max(0, int(left)), max(0, int(top)), min(WIDTH, int(math.ceil(right))), min(HEIGHT, int(math.ceil(bottom))))


def amount_crop(cheque: Cheque, fmt: str, rng: np.random.Generator) -> Image.Image:
    """The amount cut from the scan as saved in ``fmt``."""
    return to_pil(cheque, fmt, rng).crop(crop_rect(cheque, rng))


def write_crop(folder: str | Path, seed: int, fmt: str) -> dict:
    """Write the amount crop of scan ``seed`` in ``fmt``; returns its truth row (file, amount,
    amount_text, style)."""
    cheque = make_cheque(seed)
    rng = np.random.default_rng(seed + 11)
    name = f"amount_{seed:05d}_{fmt}{SUFFIX[fmt]}"
    save_image(amount_crop(cheque, fmt, rng), Path(folder) / name, fmt, rng)
    return {"file": name, "amount": cheque.amount, "amount_text": cheque.amount_text, "style": cheque.box_style}


def write_truth(folder: str | Path, rows: list[dict]) -> None:
    """``truth.csv`` for crops written by :func:`write_crop`."""
    with open(Path(folder) / "truth.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["file", "amount", "amount_text", "style"])
        writer.writeheader()
        writer.writerows(rows)


def write_crops(folder: str | Path, count: int, seed: int = 0, formats: Iterable[str] = FORMATS) -> list[dict]:
    """Write ``count`` amount crops (formats in turn) and ``truth.csv``; returns the truth rows."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    rows = [write_crop(folder, seed + i, formats[i % len(formats)]) for i in range(count)]
    write_truth(folder, rows)
    return rows


__all__ = ["amount_crop", "crop_rect", "scan_point", "write_crop", "write_crops", "write_truth"]
