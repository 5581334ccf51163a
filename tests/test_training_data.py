"""Data loading, augmentation and evaluation helpers of the training subproject (no TensorFlow)."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from training import augment, data, evaluate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _tiny_mnist(n_train=50, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n_train + n_test, 28, 28), np.uint8)
    for i in range(len(x)):  # a bar somewhere near the middle: enough ink to be a "digit"
        r = rng.integers(6, 16)
        x[i, r : r + 8, 10:18] = 255
    y = rng.integers(0, 10, n_train + n_test)
    return {"x_train": x[:n_train], "y_train": y[:n_train], "x_test": x[n_train:], "y_test": y[n_train:]}


def _write_idx(path: Path, arr: np.ndarray, gz: bool):
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    raw = header + arr.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


def test_npz_round_trip(tmp_path):
    arrays = _tiny_mnist()
    np.savez(tmp_path / "m.npz", **arrays)
    m = data.load_mnist(tmp_path / "m.npz")
    assert m.x_train.shape == (50, 28, 28) and m.y_test.dtype == np.int64
    assert m.sha256 == data.sha256_file(tmp_path / "m.npz")


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder(tmp_path, gz):
    arrays = _tiny_mnist()
    for key, stem in data.IDX_FILES.items():
        _write_idx(tmp_path / (stem + (".gz" if gz else "")), arrays[key], gz)
    m = data.load_mnist(tmp_path)
    np.testing.assert_array_equal(m.x_train, arrays["x_train"])
    np.testing.assert_array_equal(m.y_test, arrays["y_test"])


@pytest.mark.parametrize("key,value,message", [
    ("x_train", np.zeros((50, 16, 16), np.uint8), "shape"),
    ("x_train", np.zeros((50, 28, 28), np.float32), "uint8"),
    ("y_train", np.full(50, 11), "0-9"),
    ("y_train", np.zeros(49, np.int64), "one label per image"),
])
def test_bad_data_is_explained(tmp_path, key, value, message):
    arrays = _tiny_mnist()
    arrays[key] = value
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(data.DataError, match=message):
        data.load_mnist(tmp_path / "bad.npz")


def test_missing_arrays_and_files_are_explained(tmp_path):
    np.savez(tmp_path / "x.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(data.DataError, match="missing arrays"):
        data.load_mnist(tmp_path / "x.npz")
    with pytest.raises(data.DataError, match="no train-images"):
        data.load_mnist(tmp_path)
    with pytest.raises(data.DataError, match="no such file"):
        data.load_mnist(tmp_path / "absent.npz")


def test_validation_split_is_seeded_stratified_and_disjoint():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (1000, 28, 28), dtype=np.uint8)
    y = np.repeat(np.arange(10), 100)
    a = data.split_validation(x, y, 200, seed=3)
    b = data.split_validation(x, y, 200, seed=3)
    assert len(a[2]) == 200 and len(a[0]) == 800
    assert np.bincount(a[3]).tolist() == [20] * 10
    np.testing.assert_array_equal(a[2], b[2])


def test_augmentation_is_reproducible_and_yields_model_inputs():
    raw = _tiny_mnist()["x_train"][:30]
    a = augment.augment_and_preprocess(raw, np.random.default_rng(5))
    b = augment.augment_and_preprocess(raw, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (30, 28, 28) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0


def test_augmentation_on_real_digits_changes_them():
    if not (DATA / "mnist.npz").is_file():
        pytest.skip(f"shared data not found at {DATA}")
    with np.load(DATA / "mnist.npz") as z:
        raw = z["x_train"][:200]
    clean, ok = augment.preprocess(raw)
    assert ok.all()
    aug = augment.augment_and_preprocess(raw, np.random.default_rng(0))
    changed = np.abs(aug - clean).reshape(200, -1).max(axis=1) > 0.05
    assert 0.7 < changed.mean() < 1.0  # most digits distorted, a few left clean


def test_review_threshold_bounds_accepted_error():
    rng = np.random.default_rng(0)
    n = 5000
    y = rng.integers(0, 10, n)
    conf = rng.uniform(0.5, 1.0, n)
    pred = np.where(rng.random(n) < (1 - conf) * 0.2, (y + 1) % 10, y)  # low confidence errs more
    probs = np.full((n, 10), 0.0)
    probs[np.arange(n), pred] = conf
    r = evaluate.review_threshold(y, probs, max_error=0.001)
    accepted = conf >= r["review_threshold"]
    assert np.mean(pred[accepted] != y[accepted]) <= 0.001
    assert r["validation_accepted_fraction"] == pytest.approx(accepted.mean())


def test_report_counts_no_digit_as_error():
    y = np.array([0, 1, 2, 3])
    probs = np.eye(10)[[0, 1, 2, 4]]
    r = evaluate.report(y, probs, ok=np.array([True, True, False, True]))
    assert r["errors"] == 2 and r["accuracy"] == 0.5
    assert np.array(r["confusion_matrix"]).sum() == 3
