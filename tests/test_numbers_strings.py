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

        def opinions(self):
            return []

    ink = np.zeros((60, 120), np.float32)
    ink[10:50, 20:26] = 1.0
    ink[10:50, 60:85] = 1.0
    ctc = read_strip(prepare_ink(ink, lines=False), ReadsTwelve(), ink.shape)[0]
    assert ctc.text == "12" and ctc.strip.shape == (STRIP_H, STRIP_W) and ctc.strip.max() > 0.5
    seg = reading("13", [0.99, 0.99])
    seg.inputs = [np.zeros((28, 28), np.float32)] * 2
    out = combine(seg, ctc)
    assert out.text == "12" and out.strip is ctc.strip and not out.inputs
    agreed = combine(reading("12", [0.99, 0.99]), ctc)
    assert agreed.strip is None


def _softmax_frames(rng: np.random.Generator, frames: int) -> np.ndarray:
    z = rng.normal(0, 2, (frames, 11))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_log_likelihood_sums_every_alignment_of_the_text():
    """Checked against brute force: every path over 4 frames, collapsed the CTC way."""
    import itertools

    from digitdesk.numbers.string_model import log_likelihood

    f = _softmax_frames(np.random.default_rng(3), 4)
    total: dict[str, float] = {}
    for path in itertools.product(range(11), repeat=4):
        collapsed = [k for i, k in enumerate(path) if k and (i == 0 or path[i - 1] != k)]
        text = "".join(str(k - 1) for k in collapsed)
        total[text] = total.get(text, 0.0) + float(np.prod([f[t, k] for t, k in enumerate(path)]))
    assert sum(total.values()) == pytest.approx(1.0)
    for text in ["", "0", "5", "00", "12", "121", "1234", "3456"]:
        assert log_likelihood(f, text) == pytest.approx(np.log(total[text]), rel=1e-6), text
    assert log_likelihood(f, "12345") < -600      # five digits cannot fit in four frames,
    assert log_likelihood(f, "1111") < -600       # nor four equal ones (blanks between them)


def _reading_frames(seq: list[int], p: float) -> np.ndarray:
    """Normalised frames emitting ``seq`` (class ids), each chosen class at ``p``."""
    f = frames_for(seq, p)
    return f / f.sum(axis=1, keepdims=True)


def test_reconcile_keeps_an_agreed_reading_and_otherwise_the_likelier_text_with_its_margin():
    from digitdesk.numbers.string_reading import reconcile

    from digitdesk.numbers.string_model import log_likelihood

    unsure_71 = _reading_frames([8, 0, 0, 2], 0.5)      # "71", every frame at 0.5
    first = decode(unsure_71)
    assert first.text == "71"
    agreed = reconcile(first, unsure_71, [_reading_frames([8, 0, 2], 0.9)])
    assert agreed is first
    # A surer second model reading "7" outweighs the first's unsure "71"...
    sure_7 = _reading_frames([8], 0.999)
    out = reconcile(first, unsure_71, [sure_7])
    assert out.text == "7" and out.frames == (0,)
    margin = sum(log_likelihood(f, "7") - log_likelihood(f, "71") for f in (unsure_71, sure_7))
    assert out.confidences[0] == pytest.approx(1 / (1 + np.exp(-margin)))
    assert 0.5 < out.confidences[0] < 0.98                # ...but not by enough to pass review
    # An unsure second model does not overturn a first reading that is less unsure.
    kept = reconcile(first, unsure_71, [_reading_frames([8, 0, 0, 0, 0, 3], 0.35)])
    assert kept.text == "71" and max(kept.confidences) <= max(first.confidences)


def test_reconcile_weighs_every_text_by_every_model_when_three_read():
    from digitdesk.numbers.string_model import log_likelihood
    from digitdesk.numbers.string_reading import CONTESTED, reconcile

    unsure_71 = _reading_frames([8, 0, 0, 2], 0.5)      # the first reads "71", unsure
    first = decode(unsure_71)
    also_71 = _reading_frames([8, 0, 2], 0.6)           # the second agrees, unsure too
    sure_7 = _reading_frames([8], 0.999)                # the third reads "7", surely
    every = (unsure_71, also_71, sure_7)
    out = reconcile(first, unsure_71, [also_71, sure_7])
    score = {t: sum(log_likelihood(f, t) for f in every) for t in ("71", "7")}
    win, lose = sorted(score, key=score.get, reverse=True)
    assert out.text == win
    cap = min(CONTESTED, 1 / (1 + np.exp(score[lose] - score[win])))
    chosen = next(decode(f) for f in every if decode(f).text == win)   # the earliest model's reading
    assert out.confidences == pytest.approx([min(c, cap) for c in chosen.confidences])
    # All three agreeing leaves the first reading as it was: nothing was contested.
    assert reconcile(first, unsure_71, [also_71, also_71]) is first
    # Three different texts: the winner's share is counted against both others.
    sure_3 = _reading_frames([4], 0.999)
    three = reconcile(first, unsure_71, [sure_3, sure_7])
    scores = {t: sum(log_likelihood(f, t) for f in (unsure_71, sure_3, sure_7)) for t in ("71", "3", "7")}
    best = max(scores, key=scores.get)
    assert three.text == best
    rest = sum(np.exp(v - scores[best]) for t, v in scores.items() if t != best)
    chosen = next(decode(f) for f in (unsure_71, sure_3, sure_7) if decode(f).text == best)
    assert three.confidences == pytest.approx([min(c, CONTESTED, 1 / (1 + rest)) for c in chosen.confidences])


def test_other_opinions_are_asked_where_the_first_is_unsure_or_reads_fewer_digits_than_marks():
    from digitdesk.numbers.reading import prepare_ink
    from digitdesk.numbers.string_reading import SURE_STRING, read_strip

    class Model:
        def __init__(self, seq, p, second=None):
            self.seq, self.p, self.second, self.asked = seq, p, second, 0

        def frames(self, strips):
            self.asked += 1
            return np.stack([_reading_frames(self.seq, self.p)] * len(strips))

        def opinions(self):
            return [self.second] if self.second else []

    ink = np.zeros((60, 120), np.float32)
    ink[10:50, 20:26] = 1.0                               # two digit-like marks
    ink[10:50, 60:85] = 1.0
    layout = prepare_ink(ink, lines=False)
    assert sum(m.kind == "digit" for m in layout.marks) == 2
    twelve = Model([2, 0, 3], 0.6)                        # "12", weakly
    sure = read_strip(layout, Model([2, 0, 4], 0.999, twelve), ink.shape)[0]
    assert sure.text == "13" and twelve.asked == 0        # sure, one digit a mark: alone
    dropped = read_strip(layout, Model([2], 0.999, twelve), ink.shape)[0]
    assert twelve.asked == 1                              # sure of "1", but two marks: asked
    assert dropped.text == "1"                            # the sure first reading wins...
    assert max(dropped.digit_confidences) < SURE_STRING   # ...but segmentation must read too
    unsure, outputs = read_strip(layout, Model([2, 0, 4], 0.5, twelve), ink.shape)
    assert unsure.text == "12" and twelve.asked == 2      # the likelier text of the two
    assert len(outputs) == 2                              # both models' frames, for combine
    assert max(unsure.digit_confidences) < 0.9            # a close contest goes to review
    alone = read_strip(layout, Model([2, 0, 4], 0.5), ink.shape)[0]
    assert alone.text == "13"


def test_the_shipped_opinions_load_in_the_cards_order_and_read_a_strip():
    from digitdesk.numbers.string_model import OPINIONS, _card, opinion_paths, shared_string_model

    if shared_string_model() is None or not opinion_paths():
        pytest.skip("string models not installed")
    card = _card()
    assert [p.name for p in opinion_paths()] == [card[k]["file"] for k in OPINIONS if card.get(k, {}).get("use")]
    others = shared_string_model().opinions()
    assert [m.path for m in others] == opinion_paths() and len(others) == 2
    for model in others:
        f = model.frames(np.zeros((2, STRIP_H, STRIP_W, 1), np.float32))
        assert f.shape == (2, FRAMES, 11) and np.allclose(f.sum(axis=2), 1.0, atol=0.01)  # int8 output
        assert decode(f[0]).text == ""                    # nothing written, nothing read


def test_a_model_of_any_width_reads_only_the_inked_columns_and_gives_the_same_frames():
    """The shipped models take any strip width (training.strings.any_width): the runtime feeds
    the inked columns and a margin, and the frames over the ink match a full-width run."""
    from digitdesk.numbers.string_model import MARGIN, WIDTH_UNIT, StringModel, default_path

    if not default_path().is_file():
        pytest.skip("string model not installed")
    model = StringModel(default_path(), threads=1)
    if not model._any_width:
        pytest.skip("this string model takes full-width strips only")
    strip = np.zeros((STRIP_H, STRIP_W), np.float32)
    for x0 in (4, 30, 56):                                 # three upright strokes: ink to column 61
        strip[6:26, x0 : x0 + 6] = 1.0
    full = model._session.run(None, {"strip": strip[None, :, :, None]})[0][0]
    short = model.frames(strip[None])[0]
    assert short.shape == full.shape == (FRAMES, 11)
    read = -(-(62 + MARGIN) // WIDTH_UNIT) * WIDTH_UNIT // 4   # frames the model computed: 28
    assert read < FRAMES // 2
    assert np.allclose(short[: 62 // 4 + 1], full[: 62 // 4 + 1], atol=0.02)   # over the ink
    assert decode(short).text == decode(full).text
    assert np.all(short[read:, 0] == 1.0) and np.all(short[read:, 1:] == 0.0)  # certain blanks
    assert not np.all(full[read:, 0] == 1.0)               # which a full-width run does not give


def test_making_a_string_model_take_any_width_leaves_full_width_output_unchanged(tmp_path):
    onnx = pytest.importorskip("onnx")
    keras = pytest.importorskip("keras")
    pytest.importorskip("tf2onnx")
    import onnxruntime as ort

    from training.strings.any_width import any_width
    from training.strings.model import build, for_export

    keras.utils.set_random_seed(0)
    model = for_export(build(4))
    x = np.random.default_rng(0).random((2, STRIP_H, STRIP_W, 1), dtype=np.float32)
    model(x)
    raw = tmp_path / "m.onnx"
    model.export(str(raw), format="onnx", verbose=False)
    fixed = ort.InferenceSession(str(raw), providers=["CPUExecutionProvider"])
    free = tmp_path / "free.onnx"
    onnx.save(any_width(onnx.load(str(raw))), str(free))
    anyw = ort.InferenceSession(str(free), providers=["CPUExecutionProvider"])
    name = fixed.get_inputs()[0].name
    assert np.array_equal(fixed.run(None, {name: x})[0], anyw.run(None, {name: x})[0])
    narrow = anyw.run(None, {name: np.ascontiguousarray(x[:, :, :96])})[0]
    assert narrow.shape == (2, 96 // 4, 11)


def test_summed_log_likelihoods_match_one_text_and_one_model_at_a_time():
    from digitdesk.numbers.string_model import log_likelihood, summed_log_likelihoods

    rng = np.random.default_rng(5)
    outputs = [_softmax_frames(rng, 20) for _ in range(3)]
    texts = ["718", "118", "798", "000"]
    got = summed_log_likelihoods(outputs, texts)
    want = [sum(log_likelihood(f, t) for f in outputs) for t in texts]
    assert got == pytest.approx(want, rel=1e-9)
    assert summed_log_likelihoods(outputs[:1], ["5"]) == pytest.approx([log_likelihood(outputs[0], "5")])


def _probs(digits: str, p: float) -> list[np.ndarray]:
    """The digit model's output for each digit of ``digits``, each read at ``p``."""
    out = []
    for ch in digits:
        v = np.full(10, (1 - p) / 9)
        v[int(ch)] = p
        out.append(v)
    return out


def test_a_digit_the_digit_model_is_sure_of_is_taken_from_segmentation():
    from digitdesk.numbers.string_reading import weigh_digits

    unsure = [_reading_frames([8, 0, 2, 0, 9], 0.45)]      # "718", each digit at 0.45
    # Segmentation reads "798" and is sure of its 9: that digit is taken, the others kept.
    text, taken = weigh_digits("718", "798", _probs("798", 0.99), unsure)
    assert text == "798" and taken == (False, True, False)
    # Where the digit model hesitates between the two, the string reading stands.
    torn = _probs("798", 0.5)
    torn[1][1] = 0.4
    assert weigh_digits("718", "798", torn, unsure) == ("718", (False, False, False))
    # Against string models that are sure, a sure digit model is not enough either.
    sure = [_reading_frames([8, 0, 2, 0, 9], 0.999)] * 3
    assert weigh_digits("718", "798", _probs("798", 0.99), sure)[0] == "718"
    # Readings of different lengths are not weighed digit by digit.
    assert weigh_digits("718", "7918", _probs("7918", 0.99), unsure)[0] == "718"


def test_a_wrong_cut_cannot_make_the_digit_model_outweigh_everything():
    """The string reading's digit counts at least DIGIT_FLOOR, however sure the digit model is
    of another: with every string model sure, a digit model at certainty does not switch it."""
    from digitdesk.numbers.string_reading import DIGIT_FLOOR, DIGIT_WEIGHT, weigh_digits

    sure = [_reading_frames([8, 0, 2, 0, 9], 0.98)] * 3
    certain = _probs("798", 1.0)                            # the string's 1 at probability 0
    from digitdesk.numbers.string_model import summed_log_likelihoods
    cost = float(np.diff(summed_log_likelihoods(sure, ["798", "718"]))[0])
    assert cost > DIGIT_WEIGHT * -np.log(DIGIT_FLOOR)       # more than the digit model may outweigh
    assert weigh_digits("718", "798", certain, sure)[0] == "718"


def test_disagreement_mended_by_segmentation_still_goes_to_review():
    seg = reading("798", [0.99, 0.99, 0.99])
    ctc = reading("718", [0.45, 0.45, 0.45])
    unsure = [_reading_frames([8, 0, 2, 0, 9], 0.45)]
    out = combine(seg, ctc, _probs("798", 0.99), unsure)
    assert out.text == "798" and out.boxes == ctc.boxes
    assert out.digit_confidences == (0.45, 0.99, 0.45)      # the taken digit as segmentation read it
    assert out.confidence == pytest.approx(0.45 * 0.99 * 0.45 * DISAGREEMENT)
    assert combine(seg, ctc).text == "718"                  # without the evidence, as before
