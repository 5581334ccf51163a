"""Writing synthetic scans the way scanners do: JPEG, PNG, LZW TIFF, bitonal G4 TIFF, multi-page.

:func:`write_cheques` fills a folder with scans, the cheque template (``template.json``, the
format of :mod:`digitdesk.fields`) and the truth (``truth.csv``: file, page, amount, as written;
``truth.json``: per scan also its seed, skew, offset, box style and format), for benchmarks and
for trying the CLI by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from PIL import Image

from .cheque import Cheque, amount_field_fractions, make_cheque

FORMATS = ("jpeg", "png", "tiff-lzw", "tiff-g4")
SUFFIX = {"jpeg": ".jpg", "png": ".png", "tiff-lzw": ".tif", "tiff-g4": ".tif"}


def to_pil(cheque: Cheque, fmt: str, rng: np.random.Generator | None = None) -> Image.Image:
    """The scan as Pillow would get it from a scanner saving ``fmt``."""
    gray = Image.fromarray(cheque.image, mode="L")
    if fmt == "tiff-g4":
        # Bitonal scanners threshold (no dithering): light security texture drops out.
        level = 150 if rng is None else int(rng.integers(135, 175))
        return gray.point(lambda v: 255 if v > level else 0).convert("1", dither=Image.Dither.NONE)
    if fmt == "jpeg" and cheque.color:
        tint = np.array([1.0, 0.96, 0.9], dtype=np.float32)   # warm paper, neutral ink
        rgb = cheque.image[..., None].astype(np.float32) * tint
        return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), mode="RGB")
    return gray


def save_scan(cheque: Cheque, path: str | Path, fmt: str) -> Path:
    """Save one scan in ``fmt`` (one of :data:`FORMATS`)."""
    rng = np.random.default_rng(cheque.seed + 7)
    return save_image(to_pil(cheque, fmt, rng), path, fmt, rng)


def save_image(image: Image.Image, path: str | Path, fmt: str, rng: np.random.Generator) -> Path:
    """Save a picture made by :func:`to_pil` in ``fmt`` as a scanner would (JPEG quality from ``rng``)."""
    path = Path(path)
    if fmt == "jpeg":
        image.save(path, "JPEG", quality=int(rng.integers(60, 92)))
    elif fmt == "png":
        image.save(path, "PNG")
    elif fmt == "tiff-lzw":
        image.save(path, "TIFF", compression="tiff_lzw", dpi=(200, 200))
    elif fmt == "tiff-g4":
        image.save(path, "TIFF", compression="group4", dpi=(200, 200))
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return path


def save_multipage(cheques: Sequence[Cheque], path: str | Path, bitonal: bool = False) -> Path:
    """Several scans as the pages of one TIFF (LZW grey, or G4 when ``bitonal``)."""
    fmt = "tiff-g4" if bitonal else "tiff-lzw"
    pages = [to_pil(c, fmt) for c in cheques]
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:],
                  compression="group4" if bitonal else "tiff_lzw", dpi=(200, 200))
    return Path(path)


def template_json(name: str = "cheque") -> str:
    x, y, w, h = amount_field_fractions()
    data = {"version": 1, "name": name,
            "fields": [{"name": "amount", "x": x, "y": y, "w": w, "h": h, "mode": "number"}]}
    return json.dumps(data, indent=2) + "\n"


def write_cheques(folder: str | Path, count: int, seed: int = 0,
                  formats: Iterable[str] = FORMATS, multipage_every: int = 0) -> list[dict]:
    """Write ``count`` scans (formats in turn) plus ``template.json`` and ``truth.csv``.

    With ``multipage_every`` = k > 1, every k scans also go into one multi-page TIFF (extra
    files named ``multi_*.tif``; their pages are listed in the truth too). Returns the truth rows.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    rows: list[dict] = []
    details: dict[str, dict] = {}
    batch: list[Cheque] = []
    for i in range(count):
        cheque = make_cheque(seed + i)
        fmt = formats[i % len(formats)]
        name = f"cheque_{seed + i:05d}_{fmt}{SUFFIX[fmt]}"
        save_scan(cheque, folder / name, fmt)
        rows.append({"file": name, "page": 1, "amount": cheque.amount, "amount_text": cheque.amount_text})
        details[name] = {**cheque.truth(), "format": fmt}
        if multipage_every > 1:
            batch.append(cheque)
            if len(batch) == multipage_every:
                mname = f"multi_{seed + i - multipage_every + 1:05d}.tif"
                save_multipage(batch, folder / mname)
                rows += [{"file": mname, "page": p, "amount": c.amount, "amount_text": c.amount_text}
                         for p, c in enumerate(batch, start=1)]
                batch = []
    (folder / "template.json").write_text(template_json(), encoding="utf-8")
    (folder / "truth.json").write_text(json.dumps(details, indent=1) + "\n", encoding="utf-8")
    with open(folder / "truth.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["file", "page", "amount", "amount_text"])
        writer.writeheader()
        writer.writerows(rows)
    return rows
