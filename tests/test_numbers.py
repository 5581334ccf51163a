"""Number reading: separators, touching and broken digits, ruled lines, auto mode, no ink.

Inputs are composed from MNIST test digits (tests.synth); tests that need the model use the
shipped one (or ``DIGITDESK_TEST_MODEL``, a path, while the shipped model is being trained).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from digitdesk.preprocess import NoInkError
from digitdesk.recognize import read, read_digit
from tests.helpers import need_model
from tests.synth import BOX, make_cheque, mnist_available, random_writer, render_amount
from tests.synth.mnist_source import digit_bank


def expected(with_strings: float, segmentation_only: float) -> float:
    """Share of readings that must be right: higher when the string model is installed."""
    from digitdesk.numbers.string_model import shared_string_model

    return with_strings if shared_string_model() is not None else segmentation_only


def reading_model():
    path = os.environ.get("DIGITDESK_TEST_MODEL")
    if path:
        from digitdesk.model import shared_model

        return shared_model(path)
    return need_model()


@pytest.fixture(scope="module")
def model():
    return reading_model()


@pytest.fixture(scope="module")
def bank():
    if not mnist_available():
        pytest.skip("shared MNIST data not found (../shared/data/mnist.npz)")
    return digit_bank("test")


def paper(ink: np.ndarray, pad: int = 12) -> np.ndarray:
    """Ink (1 = ink) as dark ink on light paper, with a margin."""
    ink = np.pad(ink, pad)
    return (0.95 - 0.8 * ink).astype(np.float32)


def amount(text: str, bank, seed: int, **writer) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = random_writer(rng)
    if writer:
        w = type(w)(**{**w.__dict__, **writer})
    return paper(render_amount(text, bank, w, rng).ink)


def test_reads_amounts_with_separators_and_symbols(model, bank):
    texts = ["1,250", "38.117-", "12.50/-", "907", "4,302.75", "$65"]
    right = 0
    for i, text in enumerate(texts * 3):
        r = read(amount(text, bank, 100 + i, touch_rate=0.0, slant=0.1), model, "number")
        right += r.text == "".join(c for c in text if c.isdigit())
    assert right >= expected(0.88, 0.7) * len(texts) * 3


def test_reading_carries_a_box_and_confidence_per_digit(model, bank):
    img = amount("4,302", bank, 7, touch_rate=0.0)
    r = read(img, model, "number")
    assert r.mode == "number"
    assert len(r.boxes) == len(r.text) == len(r.digit_confidences)
    # 28x28 inputs exist when the digit model read the digits; the string model sees a strip.
    assert len(r.inputs) in (0, len(r.text))
    assert r.confidence == pytest.approx(float(np.prod(r.digit_confidences)))
    xs = [b.x for b in r.boxes]
    assert xs == sorted(xs)
    for b in r.boxes:
        assert 0 <= b.x and b.x + b.w <= img.shape[1] and 0 <= b.y and b.y + b.h <= img.shape[0]
    for x in r.inputs:
        assert x.shape == (28, 28) and x.dtype == np.float32


def test_touching_digits_are_cut(model, bank):
    right = 0
    for seed in range(12):
        r = read(amount("2580", bank, 200 + seed, touch_rate=1.0, slant=0.0), model, "number")
        right += r.text == "2580"
    assert right >= expected(10, 8)


def test_underline_and_box_crossing_the_digits(model, bank):
    right = 0
    for seed in range(8):
        img = amount("3641", bank, 300 + seed, touch_rate=0.0, slant=0.0)
        img = img.copy()
        h, w = img.shape
        img[h - 16 : h - 13, 2 : w - 2] = 0.1           # underline through the lower strokes
        if seed % 2:
            img[2:5, 2 : w - 2] = 0.1                   # and a full box
            img[2 : h - 13, 2:5] = 0.1
            img[2 : h - 13, w - 5 : w - 2] = 0.1
        right += read(img, model, "number").text == "3641"
    assert right >= 6


def test_auto_reads_a_single_digit_exactly_like_digit_mode(model, bank):
    rng = np.random.default_rng(5)
    for k in range(10):
        img = bank.sample(k, rng)
        auto, digit = read(img, model, "auto"), read_digit(img, model)
        assert (auto.text, auto.confidence, auto.mode) == (digit.text, digit.confidence, "digit")


def test_auto_does_not_segment_a_plain_single_digit(model, bank, monkeypatch):
    """One upright piece read surely as one digit skips segmentation (most drawings are that);
    a digit in two pieces still goes through it."""
    from digitdesk.numbers import reading

    calls = []
    real = reading.segment
    monkeypatch.setattr(reading, "segment", lambda *a, **k: calls.append(1) or real(*a, **k))
    from scipy import ndimage

    from digitdesk.preprocess import ink_map
    from digitdesk.recognize import SURE_DIGIT

    def plain(img) -> bool:  # one 8-connected piece, no wider than tall, read surely
        r = read_digit(img, model)
        pieces = ndimage.label(ink_map(img) > 0.3, structure=np.ones((3, 3)))[1]
        return r.confidence >= SURE_DIGIT and r.boxes[0].w <= r.boxes[0].h and pieces == 1

    rng = np.random.default_rng(5)
    sure = [img for img in (bank.sample(k % 10, rng) for k in range(60)) if plain(img)]
    assert len(sure) >= 5
    for img in sure:
        assert read(img, model, "auto").mode == "digit"
    assert calls == []
    broken = np.kron(sure[0], np.ones((3, 3), dtype=np.uint8))
    broken[40:45] = 0
    read(broken, model, "auto")
    assert calls == [1]


def test_auto_keeps_a_broken_digit_whole(model, bank):
    rng = np.random.default_rng(9)
    kept = 0
    for k in (0, 4, 5, 7, 8):
        img = np.kron(bank.sample(k, rng), np.ones((3, 3), dtype=np.uint8))  # 84x84
        img[40:45] = 0                                   # a gap right through the strokes
        r = read(img, model, "auto")
        kept += r.mode == "digit" and len(r.text) == 1
    assert kept == 5


def test_auto_reads_several_digits_as_a_number(model, bank):
    r = read(amount("5093", bank, 11, touch_rate=0.0), model, "auto")
    assert r.mode == "number" and len(r.text) >= 3


def test_auto_keeps_several_digits_when_the_string_model_disagrees(model, bank, monkeypatch):
    """Disagreeing readers lower the number's confidence (it goes to review), not the fact that
    the ink is several digits standing apart: an amount once read as the single digit 2."""
    from dataclasses import replace

    from digitdesk.numbers import reading

    img = amount("5093", bank, 11, touch_rate=0.0)
    alone = reading.read_auto(img, model, strings=False)
    assert alone.mode == "number" and len(alone.text) >= 3

    def disagreeing(layout, strings, shape):  # sure of other digits than segmentation read
        return replace(alone, text="7" * len(alone.text), confidence=0.9), ()

    monkeypatch.setattr(reading, "read_strip", disagreeing)
    r = reading.read_auto(img, model, strings=object())
    assert r.mode == "number" and r.text == "7" * len(alone.text) and r.confidence < 0.5


def test_blank_or_symbols_only_is_no_ink(model):
    with pytest.raises(NoInkError):
        read(np.full((60, 200), 0.9, dtype=np.float32), model, "number")
    marks = np.full((60, 220), 0.9, dtype=np.float32)
    marks[30:34, 40:75] = 0.15     # a dash
    marks[44:49, 100:105] = 0.15   # a dot
    with pytest.raises(NoInkError):
        read(marks, model, "number")


def test_cheque_amount_fields_read(model):
    if not mnist_available():
        pytest.skip("shared MNIST data not found")
    right, n = 0, 20
    x0, y0, x1, y1 = BOX
    for seed in range(500, 500 + n):
        c = make_cheque(seed, skew=False)
        region = c.image[y0 - 8 : y1 + 9, x0 - 8 : x1 + 9]
        try:
            right += read(region, model, "number").text == c.amount
        except NoInkError:
            pass
    assert right >= expected(0.85, 0.65) * n
