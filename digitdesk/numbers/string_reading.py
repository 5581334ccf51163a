"""A second opinion on a written number: the CTC string model reads the whole amount at once.

Segmentation (:mod:`.segmentation`) and the string model fail differently: cuts go wrong on
touching digits, which the string model reads whole; the string model has no notion of where
a digit ends, which segmentation gives exactly. :func:`combine` keeps what they agree on with
high confidence and, where they disagree, takes the string model's reading (right far more
often) but sends it to review. Other string models are weighed in where the first is unsure
or reads fewer digits than the ink has (:func:`reconcile`): one trained on reshaped digits, and
a wider one (more capacity, the same plain data) whose mistakes differ from both.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..preprocess import _median
from ..recognize import Reading
from ..results import Box
from .marks import DIGIT, SPECK
from .string_model import (FRAMES, PAD, STRIP_W, Decoded, StringModel, StripGeometry, decode, log_likelihood,
                           strip_input)

# When the readers disagree, the chosen reading's confidence is scaled by this: below any
# sensible review threshold, so a person looks at it.
DISAGREEMENT = 0.5
# The string models' reading stands alone when every digit is at least this sure; otherwise
# segmentation reads too (:func:`.reading.read_number_ink`). Set on
# the tuning cheques (seeds 1000-1099, 2000-2149): with string model v3, 0.99 keeps the share
# of wrong "ok" readings where v2 had it at 0.98 (2.3 %); at 0.98 it would be 3.2 %.
SURE_STRING = 0.99
# Where the string models read differently, no digit is surer than this (below SURE_STRING).
CONTESTED = 0.98


def layout_strip(layout) -> tuple[np.ndarray, StripGeometry] | None:
    """The string model's input for a prepared region: its upright ink without the specks."""
    ink = layout.ink
    specks = [m for m in layout.marks if m.kind == SPECK]
    if specks:
        ink = ink.astype(np.float32)    # a copy; each speck is cleared inside its own box
        for m in specks:
            box = (slice(m.y0, m.y1), slice(m.x0, m.x1))
            ink[box][layout.labels[box] == m.label] = 0.0
    try:
        return strip_input(ink)
    except ValueError:
        return None


def read_strip(layout, strings: StringModel, shape: tuple[int, int]) -> Reading | None:
    """The string model's reading of the layout's ink (specks left out); None without ink."""
    made = layout_strip(layout)
    if made is None:
        return None
    strip, geo = made
    ink = layout.ink
    digits = [m for m in layout.marks if m.kind == DIGIT]
    frames = strings.frames(strip[None])[0]
    dec = decode(frames)
    # The other models are asked where the first is unsure, and where it read fewer digits than
    # there are digit-like pieces of ink: when the first was sure and wrong, it mostly dropped a
    # digit (a "1" beside "-" or "$" taken for part of the symbol).
    if not dec.text or min(dec.confidences) < SURE_STRING or len(dec.text) < len(digits):
        others = strings.opinions()
        if others:
            dec = reconcile(dec, frames, [m.frames(strip[None])[0] for m in others])
    if not dec.text:
        return None
    y0 = int(_median(np.array([m.y0 for m in digits]))) if digits else 0
    y1 = int(_median(np.array([m.y1 for m in digits]))) if digits else ink.shape[0]
    step = STRIP_W / FRAMES
    centres = [((t + 0.5) * step - PAD) / geo.scale + geo.x0 for t in dec.frames]
    half = 0.3 * layout.height
    boxes = []
    for i, cx in enumerate(centres):
        left = (centres[i - 1] + cx) / 2 if i else cx - half
        right = (centres[i + 1] + cx) / 2 if i + 1 < len(centres) else cx + half
        left, right = max(left, cx - half), min(right, cx + half)
        xa, xb = layout.shear.to_picture(left, y0, right, y1)
        xa, xb = int(max(0, xa)), int(min(shape[1], xb))
        boxes.append(Box(xa, y0, max(1, xb - xa), max(1, y1 - y0)))
    return Reading(
        text=dec.text,
        confidence=float(np.prod(dec.confidences)),
        mode="number",
        digit_confidences=dec.confidences,
        boxes=tuple(boxes),
        strip=strip,
    )


def reconcile(first: Decoded, frames: np.ndarray, others: list[np.ndarray]) -> Decoded:
    """The first model's reading, weighed against other models' outputs on the same strip.

    Where they all read the same text, the first reading stands. Otherwise every text any of
    them read is scored by all of them together (summed CTC log-likelihood) and the best kept,
    each digit no surer than the share of the likelihood it won against the other texts, and
    never sure enough to stand alone (segmentation reads too): a close contest goes to review.
    """
    readings = [first] + [decode(o) for o in others]
    texts = list(dict.fromkeys(d.text for d in readings))   # distinct, the first model's first
    if len(texts) == 1:
        return first
    every = [frames] + list(others)
    score = {t: sum(log_likelihood(f, t) for f in every) for t in texts}
    win = max(texts, key=lambda t: score[t])                 # a tie goes to the earlier model
    rest = sum(math.exp(score[t] - score[win]) for t in texts if t != win)   # each <= 1: win is the best
    share = min(CONTESTED, 1.0 / (1.0 + rest))
    chosen = next(d for d in readings if d.text == win)
    return replace(chosen, confidences=tuple(min(c, share) for c in chosen.confidences))


def combine(segmented: Reading, string: Reading | None) -> Reading:
    """One reading from both readers' (see the module's docstring)."""
    if string is None:
        return segmented
    if string.text == segmented.text:
        # Agreement makes a digit as sure as the surer reader, not surer: both read the same ink,
        # so where it is ambiguous they tend to err together (treating them as independent sent
        # a fifth more wrong amounts past review on the tuning cheques).
        both = tuple(max(a, b) for a, b in zip(segmented.digit_confidences, string.digit_confidences))
        return replace(segmented, digit_confidences=both, confidence=float(np.prod(both)))
    # Measured on generated cheques, the string model is right in 34 of 42 disagreements and
    # segmentation in 1: take the string model's text, and its (approximate) boxes.
    return replace(string, confidence=string.confidence * DISAGREEMENT)
