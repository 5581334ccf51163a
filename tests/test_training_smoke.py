"""CI's guard against rot: a tiny end-to-end training run (train, export, parity, card)."""

import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="the [train] extra (tensorflow-cpu) is not installed")
    pytest.importorskip("tf2onnx", reason="the [train] extra (tf2onnx) is not installed")
    if not (DATA / "mnist.npz").is_file():
        pytest.skip(f"shared data not found at {DATA} (the smoke run reads ../shared/data/mnist.npz)")
    from training import train

    out = tmp_path_factory.mktemp("model")
    argv = ["--data", str(DATA / "mnist.npz"), "--out", str(out), "--epochs", "1", "--limit", "300",
            "--val-size", "200", "--eval-limit", "1000", "--workers", "0", "--verbose", "0"]
    if not (DATA / "usps_train.npz").is_file():
        argv += ["--usps", "none"]
    card = train.main(argv)
    return out, card


def test_smoke_run_writes_model_card_and_picture(smoke_run):
    out, card = smoke_run
    assert (out / "digits.onnx").is_file()
    assert (out / "confusion_matrix.png").is_file()
    on_disk = json.loads((out / "model_card.json").read_text())
    assert on_disk["onnx"]["sha256"] == card["onnx"]["sha256"]
    assert on_disk["training"]["epochs"] == 1 and on_disk["training"]["train_images"] == 300
    assert 0 <= on_disk["test"]["accuracy"] <= 1 and on_disk["test"]["images"] == 1000
    assert len(on_disk["test"]["confusion_matrix"]) == 10
    assert 0 < on_disk["review_threshold"] <= 1
    assert (out / "digits.onnx").stat().st_size <= 5 * 1024 * 1024


def test_smoke_run_export_matches_keras(smoke_run):
    _, card = smoke_run
    parity = card["parity"]
    assert parity["images"] >= 1000
    assert parity["max_abs_diff"] <= 1e-5
    assert parity["argmax_identical"]


def test_exported_model_honours_contract(smoke_run):
    ort = pytest.importorskip("onnxruntime")
    from digitdesk.contract import INPUT_NAME, OUTPUT_NAME

    out, _ = smoke_run
    sess = ort.InferenceSession(str(out / "digits.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == [INPUT_NAME]
    assert [o.name for o in sess.get_outputs()] == [OUTPUT_NAME]
    (p,) = sess.run(None, {INPUT_NAME: np.zeros((3, 28, 28, 1), np.float32)})
    assert p.shape == (3, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)


def test_every_architecture_builds_to_the_contract():
    """--arch choices (the shipped CNN and the cascade's first-pass candidates) all take
    [N,28,28,1] and give 10 probabilities, and the card can describe each."""
    pytest.importorskip("tensorflow", reason="the [train] extra (tensorflow-cpu) is not installed")
    from training.train import ARCHITECTURES

    for name, (build, description) in ARCHITECTURES.items():
        model = build(8 if name in ("cnn", "fast", "lite") else 32)
        assert tuple(model.input_shape) == (None, 28, 28, 1), name
        assert tuple(model.output_shape) == (None, 10), name
        p = model(np.zeros((2, 28, 28, 1), np.float32)).numpy()
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
        assert "{" not in description.format(w=8, w2=16, w4=32, w2h=4)


def test_the_deep_string_model_trains_in_chunks_and_exports_to_the_contract(tmp_path):
    """--deep --chunks: a checkpoint per chunk at the written-down rates, a card that says so,
    and an ONNX model of any width giving [N, 64, 11] frames, as the runtime reads it."""
    pytest.importorskip("tensorflow", reason="the [train] extra (tensorflow-cpu) is not installed")
    pytest.importorskip("tf2onnx", reason="the [train] extra (tf2onnx) is not installed")
    ort = pytest.importorskip("onnxruntime")
    from training.strings import train

    rng = np.random.default_rng(0)
    labels = np.zeros((96, 6), np.int32)
    labels[:, :3] = rng.integers(1, 11, (96, 3))
    cache = tmp_path / "strips.npz"
    np.savez(cache, x=rng.integers(0, 256, (96, 32, 256), dtype=np.uint8), y=labels,
             vx=rng.integers(0, 256, (16, 32, 256), dtype=np.uint8), vy=labels[:16])
    out = tmp_path / "model"
    assert train.main(["--deep", "--cache", str(cache), "--chunks", "1e-3:2,1e-4:1", "--chunk", "64",
                       "--checkpoint", str(tmp_path / "c{epoch}.keras"), "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.glob("c*.keras")) == ["c0.keras", "c1.keras", "c2.keras"]
    card = json.loads((out / "model_card.json").read_text())
    assert card["convolutions"] == [16, 16, 32, 32, 64, 64, 64] and card["chunks"] == "1e-3:2,1e-4:1"
    sess = ort.InferenceSession(str(out / "strings.onnx"), providers=["CPUExecutionProvider"])
    for width in (256, 96):
        (frames,) = sess.run(["frames"], {"strip": np.zeros((2, 32, width, 1), np.float32)})
        assert frames.shape == (2, width // 4, 11)
        np.testing.assert_allclose(frames.sum(axis=2), 1.0, atol=1e-5)
    import onnx

    graph = onnx.load(str(out / "strings.onnx")).graph
    # the deep trunk (2 + 2 + 2 + 1) and the two along the frames; the one-conv model has 7
    assert sum(n.op_type == "Conv" for n in graph.node) == 9


def test_averaged_checkpoints_hold_the_mean_of_their_weights(tmp_path):
    pytest.importorskip("tensorflow", reason="the [train] extra (tensorflow-cpu) is not installed")
    import keras

    from training.strings.average import main
    from training.strings.model import build

    models = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        model = build(4)
        model.save(tmp_path / f"c{seed}.keras")
        models.append(model)
    assert main([str(tmp_path / "mean.keras"), str(tmp_path / "c1.keras"), str(tmp_path / "c2.keras")]) == 0
    mean = keras.models.load_model(tmp_path / "mean.keras", compile=False)
    first, second = (m.get_weights() for m in models)
    for got, a, b in zip(mean.get_weights(), first, second):
        np.testing.assert_allclose(got, (a + b) / 2, rtol=1e-6, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(first, second))   # the mean is not one of them
    build(4, deep=True).save(tmp_path / "deep.keras")
    with pytest.raises(ValueError, match="different architectures"):
        main([str(tmp_path / "bad.keras"), str(tmp_path / "c1.keras"), str(tmp_path / "deep.keras")])
