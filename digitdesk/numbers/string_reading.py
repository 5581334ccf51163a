"""A second opinion on a written number: the CTC string model reads the whole amount at once.

Segmentation (:mod:`.segmentation`) and the string model fail differently: cuts go wrong on
touching digits, which the string model reads whole; the string model has no notion of where
a digit ends, which segmentation gives exactly. :func:`combine` keeps what they agree on with
high confidence and, where they disagree, takes the string model's reading (right far more
often) but sends it to review; a digit segmentation cut out and the digit model is sure of may
replace the string model's (:func:`weigh_digits`). Other string models are weighed in where the
first is unsure or reads fewer digits than the ink has (:func:`reconcile`): one trained on
reshaped digits, and a wider one (more capacity, the same plain data) whose mistakes differ.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from ..preprocess import _median
from ..recognize import Reading
from ..results import Box
from .marks import DIGIT, SPECK
from .string_model import (FRAMES, PAD, STRIP_W, Decoded, StringModel, StripGeometry, decode, strip_input,
                           summed_log_likelihoods)

# When the readers disagree, the chosen reading's confidence is scaled by this: below any
# sensible review threshold, so a person looks at it.
DISAGREEMENT = 0.5
# The string models' reading stands alone when every digit is at least this sure; otherwise
# segmentation reads too (:func:`.reading.read_number_ink`); the other string models are asked
# below it. With the deep first model, 0.98 instead of 0.99 reads the same amounts on 1,500 fresh,
# 1,000 tuning, 500 USPS-written and 300 benchmark scans (one more right on tuning) and passes
# 3 % more of them as ok, wrong among ok at the same rate (46 of 2,920 against 43 of 2,816); fewer
# scans need the opinions and segmentation, which pays for the deep model's extra work.
SURE_STRING = 0.98
# Where the string models read differently, no digit is surer than this (below SURE_STRING).
CONTESTED = 0.97
# Taking digits from segmentation (:func:`weigh_digits`), chosen on the tuning cheques and the
# USPS-written ones (1,750 scans; +5 and +2 right): the digit model's log-probability counts
# DIGIT_WEIGHT times against the string models' summed log-likelihood, none below DIGIT_FLOOR,
# and a mix must win by SWITCH_MARGIN (nats); at most MAX_WEIGHED digits may differ.
DIGIT_WEIGHT, DIGIT_FLOOR, SWITCH_MARGIN, MAX_WEIGHED = 4.0, 0.03, 4.0, 3


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


def read_strip(layout, strings: StringModel,
               shape: tuple[int, int]) -> tuple[Reading | None, tuple[np.ndarray, ...]]:
    """The string model's reading of the layout's ink (specks left out; None without ink), and
    the frames of every model asked (the first's first), with which :func:`combine` weighs
    segmentation's digits."""
    made = layout_strip(layout)
    if made is None:
        return None, ()
    strip, geo = made
    ink = layout.ink
    digits = [m for m in layout.marks if m.kind == DIGIT]
    frames = strings.frames(strip[None])[0]
    outputs = (frames,)
    dec = decode(frames)
    # The other models are asked where the first is unsure, and where it read fewer digits than
    # there are digit-like pieces of ink: when the first was sure and wrong, it mostly dropped a
    # digit (a "1" beside "-" or "$" taken for part of the symbol).
    if not dec.text or min(dec.confidences) < SURE_STRING or len(dec.text) < len(digits):
        others = strings.opinions()
        if others:
            outputs += tuple(m.frames(strip[None])[0] for m in others)
            dec = reconcile(dec, frames, list(outputs[1:]))
    if not dec.text:
        return None, outputs
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
    ), outputs


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
    score = {}
    for n in sorted({len(t) for t in texts}):       # one forward pass per length, all models at once
        same = [t for t in texts if len(t) == n]
        score.update(zip(same, summed_log_likelihoods(every, same)))
    win = max(texts, key=lambda t: score[t])                 # a tie goes to the earlier model
    rest = sum(math.exp(score[t] - score[win]) for t in texts if t != win)   # each <= 1: win is the best
    share = min(CONTESTED, 1.0 / (1.0 + rest))
    chosen = next(d for d in readings if d.text == win)
    return replace(chosen, confidences=tuple(min(c, share) for c in chosen.confidences))


def weigh_digits(string_text: str, segmented_text: str, digit_probs: Sequence[np.ndarray],
                 outputs: Sequence[np.ndarray]) -> tuple[str, tuple[bool, ...]]:
    """The string reading with some digits taken from segmentation's, where that scores better.

    Where both readers find the same number of digits, the digit model has read each digit that
    segmentation cut out, and it misreads a digit alone about a quarter as often as the string
    models do (MNIST test digits written alone: 99.65 % against 98.35-98.57 %,
    ``benchmarks/digits_alone.py``).
    Every mix of the two readings (at most MAX_WEIGHED digits differ) is scored by the string
    models' summed CTC log-likelihood plus DIGIT_WEIGHT times the digit model's log-probability
    of each digit (never counted below DIGIT_FLOOR: a wrong cut can make it sure of nonsense);
    a mix replaces the string reading only when it wins by SWITCH_MARGIN. Returns the text and,
    per digit, whether it was taken from segmentation.
    """
    n = len(string_text)
    kept = (string_text, (False,) * n)
    differ = [i for i in range(n) if string_text[i] != segmented_text[i]] if len(segmented_text) == n else []
    if not differ or len(differ) > MAX_WEIGHED or not outputs or len(digit_probs) != n:
        return kept
    picks = list(itertools.product((False, True), repeat=len(differ)))     # the string reading first
    texts = []
    for pick in picks:
        chars = list(string_text)
        for i, take in zip(differ, pick):
            if take:
                chars[i] = segmented_text[i]
        texts.append("".join(chars))
    probs = np.stack(digit_probs)                                            # [n, 10]
    digits = np.array([[int(c) for c in t] for t in texts])                  # [K, n]
    cnn = np.log(np.maximum(probs[np.arange(n), digits], DIGIT_FLOOR)).sum(axis=1)
    score = summed_log_likelihoods(outputs, texts) + DIGIT_WEIGHT * cnn
    best = int(np.argmax(score))
    if score[best] <= score[0] + SWITCH_MARGIN:
        return kept
    return texts[best], tuple(a != b for a, b in zip(texts[best], string_text))


def combine(segmented: Reading, string: Reading | None, digit_probs: Sequence[np.ndarray] = (),
            outputs: Sequence[np.ndarray] = ()) -> Reading:
    """One reading from both readers' (see the module's docstring). ``digit_probs``: the digit
    model's probabilities for each digit segmentation read; ``outputs``: the string models'
    frames (:func:`read_strip`); with both, :func:`weigh_digits` may mend the string
    reading where the readers disagree."""
    if string is None:
        return segmented
    if string.text == segmented.text:
        # Agreement makes a digit as sure as the surer reader, not surer: both read the same ink,
        # so where it is ambiguous they tend to err together (treating them as independent sent
        # a fifth more wrong amounts past review on the tuning cheques).
        both = tuple(max(a, b) for a, b in zip(segmented.digit_confidences, string.digit_confidences))
        return replace(segmented, digit_confidences=both, confidence=float(np.prod(both)))
    # Measured on generated cheques, the string model is right in 34 of 42 disagreements and
    # segmentation in 1: take the string model's text, and its (approximate) boxes, but take a
    # digit from segmentation where the digit model is sure enough of it to outweigh them.
    text, taken = weigh_digits(string.text, segmented.text, digit_probs, outputs)
    if text == string.text:
        return replace(string, confidence=string.confidence * DISAGREEMENT)
    confs = tuple(s if take else c for c, s, take in
                  zip(string.digit_confidences, segmented.digit_confidences, taken))
    return replace(string, text=text, digit_confidences=confs, confidence=float(np.prod(confs)) * DISAGREEMENT)
