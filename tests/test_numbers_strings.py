"""The string model's runtime side: strip input, CTC decoding, and combining it with segmentation."""

from __future__ import annotations

import numpy as np
import pytest

from digitdesk.numbers.string_model import FRAMES, PAD, STRIP_H, STRIP_W, decode, strip_input
from digitdesk.numbers.string_reading import DISAGREEMENT, combine
from digitdesk.recognize import Reading
from digitdesk.results import Box


def frames_for(seq: list[int], p: float = 0.9) -> np.ndarray:
    """Per-frame probabilities emitting ``seq`` (class ids, 0 = blank) one frame each."""
    f = np.full((FRAMES, 11), (1 - p) / 10, dtype=np.float32)
    for t in range(FRAMES):
        k = seq[t] if t < len(seq) else 0
        f[t, k] = p
    return f


def test_decode_collapses_repeats_and_drops_blanks():
    # "1 1 _ 1 _ 5 5 9" -> digits 0, 0, 4, 8 (class = digit + 1)
    d = decode(frames_for([1, 1, 0, 1, 0, 5, 5, 9]))
    assert d.text == "0048"
    assert len(d.confidences) == len(d.frames) == 4
    assert d.frames == (0, 3, 5, 7)
    assert all(c == pytest.approx(0.9) for c in d.confidences)
    assert decode(frames_for([])).text == ""


def test_strip_fits_the_ink_and_keeps_its_place():
    ink = np.zeros((100, 400), dtype=np.float32)
    ink[30:70, 50:350] = 1.0                     # 40 x 300 of ink
    strip, geo = strip_input(ink)
    assert strip.shape == (STRIP_H, STRIP_W) and strip.dtype == np.float32
    cols = np.flatnonzero(strip.max(axis=0) > 0.5)
    rows = np.flatnonzero(strip.max(axis=1) > 0.5)
    assert cols[0] == PAD and cols[-1] <= STRIP_W - PAD
    assert rows[0] >= PAD - 1 and rows[-1] <= STRIP_H - PAD
    assert (cols[-1] + 1 - PAD) / geo.scale + geo.x0 == pytest.approx(350, abs=3)
    with pytest.raises(ValueError):
        strip_input(np.zeros((10, 10), dtype=np.float32))


def reading(text, confs):
    return Reading(text, float(np.prod(confs)), "number", None, tuple(confs), tuple(Box(i, 0, 1, 1) for i in range(len(text))))


def test_agreement_takes_the_surer_reader_per_digit_and_keeps_segmentation_boxes():
    seg = reading("125", [0.9, 0.8, 0.95])
    ctc = reading("125", [0.9, 0.9, 0.9])
    out = combine(seg, ctc)
    assert out.text == "125" and out.boxes == seg.boxes
    # Not surer than the surer reader: both read the same ink and err together.
    assert out.digit_confidences == (0.9, 0.9, 0.95)
    assert out.confidence == pytest.approx(0.9 * 0.9 * 0.95)
    assert out.confidence > max(seg.confidence, ctc.confidence)


def test_disagreement_takes_the_string_reading_and_sends_it_to_review():
    seg = reading("1255", [0.99, 0.99, 0.99, 0.99])
    ctc = reading("125", [0.95, 0.6, 0.95])
    out = combine(seg, ctc)
    assert out.text == "125"
    assert out.confidence == pytest.approx(ctc.confidence * DISAGREEMENT)
    assert out.confidence < 0.5
    assert combine(seg, None) is seg


def test_training_cheque_strips_come_through_every_scan_format():
    """Fine-tuning strips made from saved scans: one per format, each labelled with its amount."""
    from tests.synth import mnist_available

    if not mnist_available():
        pytest.skip("shared MNIST data not found (../shared/data/mnist.npz)")
    from training.strings.data import MAX_DIGITS, make_cheque_set

    x, y = make_cheque_set(4, seed=5, saved=True)
    assert x.shape[1:] == (STRIP_H, STRIP_W) and x.dtype == np.uint8
    assert len(x) == len(y) >= 3 and y.shape[1] == MAX_DIGITS
    assert all(row[0] > 0 for row in y)        # every strip has at least one digit to read
    assert all(s.max() > 128 for s in x)       # and ink in it


def test_distorted_training_digits_are_reshaped_digits_and_reproducible():
    """The string model's training can reshape its digits (affine, elastic) like the digit model's."""
    from tests.synth import mnist_available

    if not mnist_available():
        pytest.skip("shared MNIST data not found (../shared/data/mnist.npz)")
    from tests.synth.mnist_source import digit_bank
    from training.strings.data import DistortedBank, make_set

    bank = digit_bank("train")
    plain, always = DistortedBank(bank, 0.0), DistortedBank(bank, 1.0)
    a = plain.sample(3, np.random.default_rng(1))
    assert np.array_equal(a, bank.sample(3, np.random.default_rng(1)))
    b = always.sample(3, np.random.default_rng(1))
    assert b.shape == (28, 28) and b.dtype == np.uint8 and b.max() > 128
    assert not np.array_equal(a, b)
    x1, y1 = make_set(6, seed=2, distort=0.6)
    x2, y2 = make_set(6, seed=2, distort=0.6)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    x0, y0 = make_set(6, seed=2)
    assert not np.array_equal(x0, x1)


def test_the_string_reading_carries_what_the_string_model_saw():
    """The GUI shows the strip when the string model gave the reading (there are no per-digit
    28x28 inputs then); a reading both readers agree on keeps segmentation's inputs instead."""
    from digitdesk.numbers.reading import prepare_ink
    from digitdesk.numbers.string_reading import read_strip

    class ReadsTwelve:  # a string model that reads "12" whatever strip it is given
        def frames(self, strips):
            f = np.full((len(strips), FRAMES, 11), 1e-4, np.float32)
            f[:, :, 0] = 1.0                      # blank everywhere...
            f[:, 10, 0], f[:, 10, 2] = 1e-4, 1.0  # ...but a 1
            f[:, 20, 0], f[:, 20, 3] = 1e-4, 1.0  # and a 2
            return f

    ink = np.zeros((60, 120), np.float32)
    ink[10:50, 20:26] = 1.0
    ink[10:50, 60:85] = 1.0
    ctc = read_strip(prepare_ink(ink, lines=False), ReadsTwelve(), ink.shape)
    assert ctc.text == "12" and ctc.strip.shape == (STRIP_H, STRIP_W) and ctc.strip.max() > 0.5
    seg = reading("13", [0.99, 0.99])
    seg.inputs = [np.zeros((28, 28), np.float32)] * 2
    out = combine(seg, ctc)
    assert out.text == "12" and out.strip is ctc.strip and not out.inputs
    agreed = combine(reading("12", [0.99, 0.99]), ctc)
    assert agreed.strip is None
