"""The shipped model honours the contract the app relies on (digitdesk/contract.py)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from digitdesk.contract import INPUT_NAME, MODEL_CARD_FILE, MODEL_FILE, NUM_CLASSES, OUTPUT_NAME, SIDE

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "resources" / "model"
DATA = ROOT.parent / "shared" / "data"

ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def session():
    path = MODEL_DIR / MODEL_FILE
    assert path.is_file(), f"no shipped model at {path}"
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def model_card():
    path = MODEL_DIR / MODEL_CARD_FILE
    assert path.is_file(), f"no model card at {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_input_matches_contract(session):
    (inp,) = session.get_inputs()
    assert inp.name == INPUT_NAME
    assert inp.type == "tensor(float)"
    assert len(inp.shape) == 4
    assert not isinstance(inp.shape[0], int), "batch dimension must be dynamic"
    assert list(inp.shape[1:]) == [SIDE, SIDE, 1]


def test_output_matches_contract(session):
    (out,) = session.get_outputs()
    assert out.name == OUTPUT_NAME
    assert out.type == "tensor(float)"
    assert len(out.shape) == 2 and out.shape[1] == NUM_CLASSES


@pytest.mark.parametrize("n", [1, 7, 64])
def test_outputs_are_probabilities_for_any_batch(session, n):
    x = np.random.default_rng(n).random((n, SIDE, SIDE, 1), dtype=np.float32)
    (p,) = session.run([OUTPUT_NAME], {INPUT_NAME: x})
    assert p.shape == (n, NUM_CLASSES) and p.dtype == np.float32
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_card_describes_the_shipped_file(model_card):
    digest = hashlib.sha256((MODEL_DIR / MODEL_FILE).read_bytes()).hexdigest()
    assert model_card["onnx"]["sha256"] == digest, "model_card.json describes another ONNX file"
    assert model_card["model_file"] == MODEL_FILE
    assert 0.0 < model_card["review_threshold"] < 1.0
    for key in ("parameters", "validation", "test", "usps", "training", "parity"):
        assert key in model_card
    assert (MODEL_DIR / "confusion_matrix.png").is_file()


def test_shipped_model_reads_mnist_through_the_app_preprocessing(session, model_card):
    """A spot check of the card's test figure on 1000 MNIST test digits, via to_model_input."""
    if not (DATA / "mnist.npz").is_file():
        pytest.skip(f"shared data not found at {DATA} (tests read ../shared/data/mnist.npz)")
    from digitdesk.preprocess import to_model_input

    with np.load(DATA / "mnist.npz") as z:
        x, y = z["x_test"][:1000], z["y_test"][:1000]
    batch = np.stack([to_model_input(img) for img in x])[..., None]
    (p,) = session.run([OUTPUT_NAME], {INPUT_NAME: batch})
    assert np.mean(p.argmax(1) == y) >= 0.99


def test_runtime_int8_copy_honours_the_contract_and_agrees_with_the_float_model(session, model_card):
    """The app runs the int8 copy when shipped: same contract, same readings, recorded in the card."""
    from digitdesk.contract import RUNTIME_MODEL_FILE
    from digitdesk.model import DigitModel, card_checksum, default_model_path

    path = MODEL_DIR / RUNTIME_MODEL_FILE
    if not path.is_file():
        assert default_model_path().name == MODEL_FILE
        pytest.skip("no int8 copy shipped: the app runs the float model")
    assert default_model_path().name == RUNTIME_MODEL_FILE
    section = model_card["int8"]
    assert section["shipped"] and section["file"] == RUNTIME_MODEL_FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == card_checksum(model_card, RUNTIME_MODEL_FILE)
    assert section["mnist_test"]["int8_accuracy"] >= section["mnist_test"]["float_accuracy"] - 0.0005
    if not (DATA / "mnist.npz").is_file():
        pytest.skip(f"shared data not found at {DATA}")
    from digitdesk.preprocess import to_model_input

    with np.load(DATA / "mnist.npz") as z:
        x = z["x_test"][:1000]
    batch = np.stack([to_model_input(img) for img in x])
    (ref,) = session.run([OUTPUT_NAME], {INPUT_NAME: batch[..., None]})
    int8 = DigitModel(path, cascade=False).predict(batch)
    assert np.mean(int8.argmax(1) == ref.argmax(1)) >= 0.998
    assert np.abs(int8 - ref).max() < 0.2


def test_cascade_stages_are_recorded_and_only_answer_when_sure(model_card):
    """Each first pass honours the contract and matches the card; a stage's answer stands only at
    or above its threshold (never below the review threshold), for the rows the stages before it
    left; the full model answers the rest."""
    from digitdesk.model import DigitModel, card_checksum, default_model_path

    stages = (model_card.get("cascade") or {}).get("stages")
    if not stages:
        pytest.skip("no cascade shipped: the full model reads every digit")
    sessions = []
    for stage in stages:
        path = MODEL_DIR / stage["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == card_checksum(model_card, stage["file"])
        assert model_card["review_threshold"] <= stage["threshold"] < 1.0
        sessions.append(ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]))
    for name in ("mnist_test", "usps"):
        assert model_card["cascade"][name]["cascade_accuracy"] >= model_card["cascade"][name]["full_accuracy"] - 0.0005

    cascade = DigitModel(default_model_path())
    full = DigitModel(default_model_path(), cascade=False)
    assert cascade.cascade and not full.cascade
    rng = np.random.default_rng(0)
    x = rng.random((40, SIDE, SIDE), dtype=np.float32) * (rng.random((40, 1, 1)) < 0.5)  # noise and blanks
    if (DATA / "mnist.npz").is_file():
        from digitdesk.preprocess import digit_inputs_with_boxes

        with np.load(DATA / "mnist.npz") as z:
            x = np.concatenate([x, np.stack([m[0] for m in digit_inputs_with_boxes(list(z["x_test"][:300]))])])
    got = cascade.predict(x)
    left = np.ones(len(x), dtype=bool)
    for stage, session in zip(stages, sessions):
        (p,) = session.run([OUTPUT_NAME], {INPUT_NAME: x[..., None]})
        sure = left & (p.max(axis=1) >= stage["threshold"])
        np.testing.assert_allclose(got[sure], p[sure], atol=1e-6)
        left &= ~sure
    assert left.any() and not left.all()
    np.testing.assert_allclose(got[left], full.predict(x[left]), atol=1e-6)
    # full=True (number segmentation's cut hypotheses) is the full model alone
    np.testing.assert_allclose(cascade.predict(x, full=True), full.predict(x), atol=1e-6)
