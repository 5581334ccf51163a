"""Synthetic cheque scans at 200 dpi: printed form, distractors, a handwritten amount, a scanner.

What a cheque reader meets on a real scan, each part drawn so that it can be switched on and
checked: a textured security background, printed bank name, cheque number and MICR line (printed
digits that must not be read), a handwritten date just above the amount box, a payee and a
signature scribble, the amount box (ruled box, underline or nothing) with the handwritten amount
(:mod:`.handwriting`), then the scanner: skew, offset, blur, noise and dust. Everything is
decided by the seed, so a scan can be regenerated from its number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from .handwriting import FONT_DIR, Amount, random_amount, random_writer, render_amount, render_digit
from .mnist_source import digit_bank

WIDTH, HEIGHT = 1400, 640          # 7 x 3.2 inches at 200 dpi
BOX = (1010, 212, 1370, 300)       # amount box: x0, y0, x1, y1 on the unshifted page
FIELD_MARGIN = 8                   # the template's amount field is the box plus this margin
DATE_LINE = (1010, 1300, 168)      # x0, x1, y of the date line


def amount_field_fractions() -> tuple[float, float, float, float]:
    """The amount field of the cheque template, as fractions (x, y, w, h) of the page."""
    x0, y0, x1, y1 = BOX
    m = FIELD_MARGIN
    return (
        round((x0 - m) / WIDTH, 4),
        round((y0 - m) / HEIGHT, 4),
        round((x1 - x0 + 2 * m) / WIDTH, 4),
        round((y1 - y0 + 2 * m) / HEIGHT, 4),
    )


@dataclass
class Cheque:
    """One scan and its truth. ``image`` is uint8 grey (0 = black), ``WIDTH`` x ``HEIGHT``."""

    image: np.ndarray
    amount: str                     # digits only: what a reader must return
    amount_text: str                # as written, with separators and symbols
    date: str
    seed: int
    skew_deg: float
    offset_px: tuple[float, float]
    box_style: str                  # "box", "underline" or "none"
    amount_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # unshifted page
    color: bool = False             # whether a colour scan is preferable for this sample

    def truth(self) -> dict:
        return {
            "seed": self.seed,
            "amount": self.amount,
            "amount_text": self.amount_text,
            "date": self.date,
            "skew_deg": round(self.skew_deg, 3),
            "offset_px": [round(v, 1) for v in self.offset_px],
            "box_style": self.box_style,
        }


@lru_cache(maxsize=16)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _security_background(rng: np.random.Generator) -> np.ndarray:
    """Paper: a light level, a faint guilloche of waves, a gentle tint gradient and grain."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    paper = rng.uniform(0.88, 0.97)
    strength = rng.uniform(0.02, 0.12)
    k1, k2 = rng.uniform(0.03, 0.09), rng.uniform(0.03, 0.09)
    wave = np.sin(k1 * xx + 6.0 * np.sin(yy * k2 * 0.25 + rng.uniform(0, 6)))
    wave2 = np.sin(k2 * yy - 5.0 * np.sin(xx * k1 * 0.2 + rng.uniform(0, 6)))
    lines = np.maximum(wave, wave2)
    pattern = np.clip((lines - 0.85) / 0.15, 0, 1)   # thin bright crests become faint lines
    gradient = rng.uniform(-0.04, 0.04) * (xx / WIDTH) + rng.uniform(-0.03, 0.03) * (yy / HEIGHT)
    grain = rng.normal(0, rng.uniform(0.005, 0.02), size=(HEIGHT, WIDTH))
    return (paper - strength * pattern + gradient + grain).astype(np.float32)


def _scribble(draw: ImageDraw.ImageDraw, rng: np.random.Generator, x0: int, x1: int, y: int, h: int, pen: int) -> None:
    """Cursive-looking loops standing in for a payee name, words or a signature."""
    n = max(8, (x1 - x0) // 6)
    xs = np.linspace(x0, x1, n) + rng.normal(0, 2, n)
    phase = np.cumsum(rng.uniform(0.5, 1.4, n))
    ys = y - h / 2 + (h / 2) * np.sin(phase) * rng.uniform(0.6, 1.0, n)
    pts = list(zip(xs.tolist(), ys.tolist()))
    draw.line(pts, fill=255, width=pen, joint="curve")


def _paste_ink(ink_layer: np.ndarray, ink: np.ndarray, x: int, y: int) -> None:
    h, w = ink.shape
    y0, x0 = max(0, y), max(0, x)
    y1, x1 = min(HEIGHT, y + h), min(WIDTH, x + w)
    if y1 <= y0 or x1 <= x0:
        return
    part = ink[y0 - y : y1 - y, x0 - x : x1 - x]
    np.maximum(ink_layer[y0:y1, x0:x1], part, out=ink_layer[y0:y1, x0:x1])


def _date_ink(rng: np.random.Generator, bank) -> tuple[np.ndarray, str]:
    day, month, year = int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(2019, 2027))
    text = f"{day:02d}/{month:02d}/{year % 100:02d}"
    writer = random_writer(rng, height=rng.uniform(26, 36))
    amount = render_amount(text, bank, writer, rng)
    return amount.ink, text


def make_cheque(seed: int, *, box_style: str | None = None, skew: bool = True, split: str = "test",
                amount_text: str | None = None) -> Cheque:
    """The cheque scan numbered ``seed`` (same seed, same scan)."""
    rng = np.random.default_rng(seed)
    bank = digit_bank(split)
    page = _security_background(rng)

    # Printed form: text and rules drawn as "print ink" in [0, 1].
    printed = Image.new("L", (WIDTH, HEIGHT), 0)
    d = ImageDraw.Draw(printed)
    d.text((60, 32), str(rng.choice(["FIRST DIGITAL BANK", "NORTHERN TRUST CO.", "BANCO DEL SUR", "CITY SAVINGS BANK"])),
           fill=255, font=_font("DejaVuSerif-Bold.ttf", 34))
    d.text((60, 78), f"{int(rng.integers(10, 999))} Main Street, Springfield", fill=255, font=_font("DejaVuSans.ttf", 18))
    number = f"{int(rng.integers(100, 99999)):06d}"
    d.text((1150, 36), f"No. {number}", fill=255, font=_font("DejaVuSansMono.ttf", 28))
    d.text((930, 140), "DATE", fill=255, font=_font("DejaVuSans.ttf", 20))
    d.line((DATE_LINE[0], DATE_LINE[2], DATE_LINE[1], DATE_LINE[2]), fill=255, width=2)
    d.text((60, 250), "PAY TO THE", fill=255, font=_font("DejaVuSans.ttf", 16))
    d.text((60, 270), "ORDER OF", fill=255, font=_font("DejaVuSans.ttf", 16))
    d.line((180, 292, 960, 292), fill=255, width=2)
    d.text((970, 232), "$", fill=255, font=_font("DejaVuSans-Bold.ttf", 40))
    style = box_style or str(rng.choice(["box", "box", "box", "underline", "none"]))
    x0, y0, x1, y1 = BOX
    rule = int(rng.integers(2, 4))
    if style == "box":
        d.rectangle((x0, y0, x1, y1), outline=255, width=rule)
    elif style == "underline":
        d.line((x0, y1, x1, y1), fill=255, width=rule)
    d.line((60, 372, 1150, 372), fill=255, width=2)
    d.text((1165, 350), "DOLLARS", fill=255, font=_font("DejaVuSans.ttf", 20))
    d.text((60, 478), "MEMO", fill=255, font=_font("DejaVuSans.ttf", 18))
    d.line((130, 500, 600, 500), fill=255, width=2)
    d.line((800, 500, 1340, 500), fill=255, width=2)
    routing = "".join(str(v) for v in rng.integers(0, 10, 9))
    account = "".join(str(v) for v in rng.integers(0, 10, 10))
    d.text((140, 560), f"|:{routing}|: {account}\" {number[-4:]}", fill=255, font=_font("DejaVuSansMono.ttf", 34))
    print_ink = np.asarray(printed, dtype=np.float32) / 255.0

    # Handwriting: payee, amount in words, signature (scribbles), date and the amount (MNIST).
    hand = Image.new("L", (WIDTH, HEIGHT), 0)
    hd = ImageDraw.Draw(hand)
    pen = int(rng.integers(2, 5))
    _scribble(hd, rng, 200, int(rng.integers(500, 900)), 275, 28, pen)
    _scribble(hd, rng, 80, int(rng.integers(500, 1000)), 352, 30, pen)
    _scribble(hd, rng, 850, int(rng.integers(1100, 1320)), 478, 40, pen)
    hand_ink = np.asarray(hand, dtype=np.float32) / 255.0
    date_ink, date = _date_ink(rng, bank)
    _paste_ink(hand_ink, date_ink, int(rng.integers(1020, 1100)), DATE_LINE[2] - 4 - date_ink.shape[0])

    text, digits = (amount_text, "".join(c for c in amount_text if c.isdigit())) if amount_text else random_amount(rng)
    writer = random_writer(rng)
    amount = render_amount(text, bank, writer, rng)
    room = (x1 - x0) - 24
    while amount.ink.shape[1] > room:  # write smaller when it would not fit the box
        writer = random_writer(rng, height=writer.height * 0.85)
        amount = render_amount(text, bank, writer, rng)
    slack = room - amount.ink.shape[1]
    ax = x0 + 12 + int(rng.uniform(0, slack))
    if style == "underline":
        bottom = y1 + int(rng.uniform(-5, 8))          # may sit on or cross the line
    else:
        bottom = y1 - int(rng.uniform(8, 22))
    ay = bottom - amount.ink.shape[0]
    _paste_ink(hand_ink, amount.ink, ax, ay)
    boxes = [(ax + bx, ay + by, bw, bh) for bx, by, bw, bh in amount.digit_boxes]

    print_level = rng.uniform(0.05, 0.25)
    pen_level = rng.uniform(0.05, 0.45)
    img = page * (1 - print_ink) + print_level * print_ink
    img = img * (1 - hand_ink) + pen_level * hand_ink

    img, angle, offset = _scan(img, rng, skew)
    return Cheque(
        image=img, amount=digits, amount_text=text, date=date, seed=seed, skew_deg=angle,
        offset_px=offset, box_style=style, amount_boxes=boxes, color=bool(rng.random() < 0.3),
    )


def _scan(img: np.ndarray, rng: np.random.Generator, skew: bool) -> tuple[np.ndarray, float, tuple[float, float]]:
    """The scanner: rotation about the centre, offset, optical blur, sensor noise, dust."""
    angle = float(rng.uniform(-2.0, 2.0)) if skew else 0.0
    dx = float(rng.uniform(-0.02, 0.02) * WIDTH) if skew else 0.0
    dy = float(rng.uniform(-0.02, 0.02) * HEIGHT) if skew else 0.0
    pil = Image.fromarray(np.clip(img, 0, 1).astype(np.float32), mode="F")
    if skew:
        fill = float(rng.uniform(0.9, 1.0))
        pil = pil.rotate(angle, resample=Image.BILINEAR, translate=(dx, dy), fillcolor=fill)
    out = ndimage.gaussian_filter(np.asarray(pil, dtype=np.float32), float(rng.uniform(0.3, 0.9)))
    out = out + rng.normal(0, rng.uniform(0.005, 0.03), size=out.shape).astype(np.float32)
    n_dust = int(rng.integers(0, 150))
    ys, xs = rng.integers(0, HEIGHT - 2, n_dust), rng.integers(0, WIDTH - 2, n_dust)
    for y, x, s in zip(ys, xs, rng.integers(1, 3, n_dust)):
        out[y : y + s, x : x + s] = rng.uniform(0.1, 0.5)
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8), angle, (dx, dy)
