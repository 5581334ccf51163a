"""Handwritten amounts composed from MNIST digits, the way people write them on cheques.

A writer has one size, slant and pen; each digit still varies a little. Digits sometimes touch or
overlap (negative spacing), separators (``.`` ``,``), a trailing ``-`` or ``/-`` and a leading
``$`` appear as pen strokes. The result is an ink map (float32, 1 = ink) plus the digits-only
ground truth: separators and symbols are not part of the amount string.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from .mnist_source import DigitBank

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class Writer:
    """One person's hand: digit height in pixels, slant (shear), pen weight, spacing habits."""

    height: float
    slant: float
    weight: str          # "thin", "normal" or "thick"
    touch_rate: float    # share of digit pairs written touching or overlapping
    drift: float         # baseline rise per pixel of writing


def random_writer(rng: np.random.Generator, height: float | None = None) -> Writer:
    return Writer(
        height=float(height if height is not None else rng.uniform(34, 56)),
        slant=float(rng.uniform(-0.15, 0.35)),
        weight=str(rng.choice(["thin", "normal", "normal", "thick"])),
        touch_rate=float(rng.choice([0.0, 0.25, 0.5])),
        drift=float(rng.uniform(-0.03, 0.03)),
    )


def random_amount(rng: np.random.Generator, max_digits: int = 6) -> tuple[str, str]:
    """A written amount (``"$1,250.00/-"``) and its digits-only ground truth (``"125000"``)."""
    n = int(rng.choice(np.arange(1, max_digits + 1), p=_digit_count_weights(max_digits)))
    first = str(rng.integers(1, 10))
    digits = first + "".join(str(d) for d in rng.integers(0, 10, size=n - 1))
    style = rng.random()
    if n >= 3 and style < 0.3:  # cents: 12.50, 1,234.56
        cents_sep = str(rng.choice([".", ","]))
        whole, cents = digits[:-2], digits[-2:]
        if len(whole) >= 4 and rng.random() < 0.6:
            whole = _group(whole, "," if cents_sep == "." else ".")
        text = whole + cents_sep + cents
    elif n >= 4 and style < 0.6:  # thousands: 1,250 or 1.250
        text = _group(digits, str(rng.choice([",", "."])))
    else:
        text = digits
    suffix = rng.random()
    if suffix < 0.15:
        text += "-"
    elif suffix < 0.3:
        text += "/-"
    if rng.random() < 0.2:
        text = "$" + text
    return text, digits


def _digit_count_weights(max_digits: int) -> np.ndarray:
    w = np.array([1.0, 1.5, 2.0, 2.0, 1.5, 1.0][:max_digits])
    return w / w.sum()


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def _pen_px(writer: Writer) -> float:
    base = writer.height / 9.0
    return base * {"thin": 0.6, "normal": 0.85, "thick": 1.15}[writer.weight]


def _shear(img: np.ndarray, slant: float) -> np.ndarray:
    """Lean the ink right by ``slant`` (x shift per pixel of height), growing the canvas to fit."""
    h, w = img.shape
    pad = int(np.ceil(abs(slant) * h)) + 1
    out = Image.fromarray(img, mode="F").transform(
        (w + pad, h),
        Image.AFFINE,
        (1.0, slant, -slant * h if slant > 0 else 0.0, 0.0, 1.0, 0.0),
        resample=Image.BILINEAR,
    )
    return _crop(np.asarray(out, dtype=np.float32))


def _crop(img: np.ndarray, level: float = 0.05) -> np.ndarray:
    rows = np.flatnonzero(img.max(axis=1) > level)
    cols = np.flatnonzero(img.max(axis=0) > level)
    if rows.size == 0:
        return img[:1, :1] * 0
    return img[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _pen(img: np.ndarray, weight: str, scale: float) -> np.ndarray:
    """Turn an up-scaled, blurry MNIST digit into a pen stroke of the writer's weight."""
    level = {"thin": 0.7, "normal": 0.55, "thick": 0.4}[weight]
    soft = np.clip((img - level) / 0.18 + 0.5, 0.0, 1.0)
    return soft.astype(np.float32)


def render_digit(image28: np.ndarray, writer: Writer, rng: np.random.Generator) -> np.ndarray:
    """One MNIST digit as this writer's ink: scaled to their height, slanted, pen-weighted."""
    g = _crop(image28.astype(np.float32) / 255.0, 0.1)
    h = writer.height * rng.uniform(0.9, 1.08)
    scale = h / g.shape[0]
    w = max(2, int(round(g.shape[1] * scale * rng.uniform(0.92, 1.08))))
    big = np.asarray(
        Image.fromarray(g, mode="F").resize((w, max(2, int(round(h)))), Image.BICUBIC),
        dtype=np.float32,
    )
    big = _pen(np.clip(big, 0, 1), writer.weight, scale)
    slant = writer.slant + rng.normal(0, 0.04)
    return _shear(big, slant) if abs(slant) > 0.02 else _crop(big)


def _stroke_canvas(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("L", (w, h), 0)
    return img, ImageDraw.Draw(img)


def _finish(img: Image.Image) -> np.ndarray:
    a = np.asarray(img, dtype=np.float32) / 255.0
    return ndimage.gaussian_filter(a, 0.6)


def render_symbol(ch: str, writer: Writer, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A non-digit as pen strokes; returns the ink and its bottom's height above the baseline."""
    H = writer.height
    pen = max(2, int(round(_pen_px(writer) * rng.uniform(0.9, 1.2))))
    if ch == ".":
        r = max(2.0, H * rng.uniform(0.05, 0.08))
        size = int(2 * r + 4)
        img, d = _stroke_canvas(size, size)
        d.ellipse((2, 2, 2 + 2 * r, 2 + 2 * r * rng.uniform(0.7, 1.0)), fill=255)
        return _finish(img), 0.0
    if ch == ",":
        r = max(2.0, H * rng.uniform(0.05, 0.07))
        tail = H * rng.uniform(0.15, 0.25)
        w, h = int(2 * r + tail * 0.6 + 6), int(2 * r + tail + 6)
        img, d = _stroke_canvas(w, h)
        cx = w - r - 3
        d.ellipse((cx - r, 3, cx + r, 3 + 2 * r), fill=255)
        d.line((cx + r * 0.6, 3 + r, cx - tail * 0.5, 3 + 2 * r + tail * 0.8), fill=255, width=pen)
        return _finish(img), -tail * 0.6
    if ch == "-":
        length = H * rng.uniform(0.3, 0.65)
        rise = length * rng.uniform(-0.08, 0.08)
        w, h = int(length + 2 * pen + 4), int(abs(rise) + 2 * pen + 4)
        img, d = _stroke_canvas(w, h)
        y0 = h / 2 - rise / 2
        d.line((pen, y0, w - pen, y0 + rise), fill=255, width=pen)
        return _finish(img), H * rng.uniform(0.35, 0.55)
    if ch == "/":
        tall = H * rng.uniform(0.7, 1.0)
        lean = tall * (max(writer.slant, 0.0) + rng.uniform(0.4, 0.65))  # leans past the digits
        w, h = int(lean + 2 * pen + 4), int(tall + 2 * pen + 4)
        img, d = _stroke_canvas(w, h)
        d.line((pen + 2, h - pen - 2, w - pen - 2, pen + 2), fill=255, width=pen)
        return _finish(img), 0.0
    if ch == "$":
        return _dollar(writer, rng, pen), -H * 0.08
    raise ValueError(f"no symbol {ch!r}")


@lru_cache(maxsize=8)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _dollar(writer: Writer, rng: np.random.Generator, pen: int) -> np.ndarray:
    name = str(rng.choice(["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf"]))
    size = int(writer.height * rng.uniform(1.25, 1.45))  # the bar stands out of the digits
    font = _font(name, size)
    img, d = _stroke_canvas(size * 2, size * 2)
    d.text((size // 2, size // 4), "$", fill=255, font=font)
    a = _crop(_finish(img))
    return _shear(a, writer.slant) if abs(writer.slant) > 0.02 else a


@dataclass
class Amount:
    """A rendered amount: ink (float32, 1 = ink), the written text and the digits-only truth."""

    ink: np.ndarray
    text: str
    digits: str
    digit_boxes: list[tuple[int, int, int, int]]  # (x, y, w, h) of each digit in ``ink``


def render_amount(text: str, bank: DigitBank, writer: Writer, rng: np.random.Generator) -> Amount:
    """Compose ``text`` (digits, separators, ``-``, ``/-``, ``$``) into one ink map."""
    H = writer.height
    pieces: list[tuple[np.ndarray, float, bool]] = []  # ink, bottom above baseline, is_digit
    for ch in text:
        if ch.isdigit():
            ink = render_digit(bank.sample(int(ch), rng), writer, rng)
            pieces.append((ink, rng.normal(0, 0.03 * H), True))
        else:
            ink, lift = render_symbol(ch, writer, rng)
            pieces.append((ink, lift, False))
    # Lay out left to right on a canvas with room above and below the baseline.
    margin = int(H)
    xs, x = [], margin
    prev_digit = False
    for ink, _, is_digit in pieces:
        if xs:
            if prev_digit and is_digit and rng.random() < writer.touch_rate:
                gap = -H * rng.uniform(0.03, 0.15)
            elif prev_digit and is_digit:
                gap = H * rng.uniform(0.04, 0.3)
            else:
                gap = H * rng.uniform(0.08, 0.25)
            x = int(round(x + gap))
        xs.append(x)
        x += ink.shape[1]
        prev_digit = is_digit
    width = x + margin
    height = int(3 * H)
    baseline = int(2 * H)
    canvas = np.zeros((height, width), dtype=np.float32)
    boxes = []
    for (ink, lift, is_digit), x0 in zip(pieces, xs):
        h, w = ink.shape
        y1 = int(round(baseline - lift - writer.drift * (x0 - margin)))
        y0 = max(0, y1 - h)
        part = ink[h - (y1 - y0) :]
        np.maximum(canvas[y0:y1, x0 : x0 + w], part, out=canvas[y0:y1, x0 : x0 + w])
        if is_digit:
            boxes.append((x0, y0, w, y1 - y0))
    rows = np.flatnonzero(canvas.max(axis=1) > 0.05)
    cols = np.flatnonzero(canvas.max(axis=0) > 0.05)
    top, left = int(rows[0]), int(cols[0])
    ink = canvas[top : rows[-1] + 1, left : cols[-1] + 1]
    boxes = [(bx - left, by - top, bw, bh) for bx, by, bw, bh in boxes]
    digits = "".join(ch for ch in text if ch.isdigit())
    return Amount(ink, text, digits, boxes)
