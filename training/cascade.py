"""Ship a cheap first-pass model in front of the full one, with the threshold that makes it safe.

    python -m training.train --arch fast --width 12 --epochs 12 --out /tmp/fast     # train it
    python -m training.cascade --fast /tmp/fast/digits.onnx --out resources/model/  # ship it

The first pass reads every digit; whatever it is less sure of than the threshold goes on to the
full model (``digitdesk.model.DigitModel``). The threshold is the lowest confidence at which the
first pass, on what it accepts, makes no more errors than the full model makes on the same
digits, and never below the review threshold (digits headed for review are the full model's to
judge). It is chosen on the validation split (which neither model trained on), clean and with
the training augmentation (thin and thick strokes, low resolution, bitonal, noise: a stand-in
for real inputs that differ from MNIST), and the stricter of the two is kept. MNIST test and
USPS are measured once, afterwards. Writes ``digits_fast.onnx`` (its int8 copy when that is
faster and reads as well) and a ``cascade`` section into the model card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from digitdesk.contract import FAST_MODEL_FILE, INPUT_NAME, MODEL_CARD_FILE, MODEL_FILE, OUTPUT_NAME, RUNTIME_MODEL_FILE

from . import augment, data
from .quantize import quantize

REPO = Path(__file__).resolve().parents[1]


def _session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def predict(path: Path, x: np.ndarray) -> np.ndarray:
    session = _session(path)
    x = x.reshape(-1, 28, 28, 1)
    return np.concatenate([session.run([OUTPUT_NAME], {INPUT_NAME: x[i : i + 256]})[0]
                           for i in range(0, len(x), 256)])


def _runner(path: Path):
    session = _session(path)
    return lambda batch: session.run(None, {INPUT_NAME: batch})


def images_per_second(predict_batch, x: np.ndarray, seconds: float = 3.0) -> float:
    """Throughput of ``predict_batch`` on batches of 256 from ``x``, one thread."""
    batches = [x[i : i + 256] for i in range(0, len(x) - 255, 256)]
    predict_batch(batches[0])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        predict_batch(batches[done % len(batches)])
        done += 1
    return done * 256 / (time.perf_counter() - start)


def threshold(y: np.ndarray, fast: np.ndarray, full: np.ndarray) -> float:
    """Lowest first-pass confidence t such that, over the digits with confidence >= t, the first
    pass is wrong no more often than the full model is on those same digits."""
    conf = fast.max(axis=1)
    order = np.argsort(-conf, kind="stable")
    fast_wrong = np.cumsum(fast.argmax(1)[order] != y[order])
    full_wrong = np.cumsum(full.argmax(1)[order] != y[order])
    c = conf[order]
    distinct = np.r_[c[1:] < c[:-1], True]  # only cut between distinct confidences
    good = np.flatnonzero((fast_wrong <= full_wrong) & distinct)
    # The longest prefix that is safe all the way: stop at the first unsafe cut.
    unsafe = np.flatnonzero((fast_wrong > full_wrong) & distinct)
    if unsafe.size:
        good = good[good < unsafe[0]]
    return float(c[good[-1]]) if good.size else 1.0


def cascade_figures(y: np.ndarray, fast: np.ndarray, full: np.ndarray, t: float, review: float) -> dict:
    accepted = fast.max(axis=1) >= t
    combined = np.where(accepted[:, None], fast, full)

    def status_ok(p):  # rows the app marks ok (not review), and how often those are wrong
        ok = p.max(axis=1) >= review
        return {"fraction": float(ok.mean()), "error_rate": float(np.mean(p[ok].argmax(1) != y[ok]))}

    return {
        "status_ok_full": status_ok(full),
        "status_ok_cascade": status_ok(combined),
        "images": int(len(y)),
        "full_accuracy": float(np.mean(full.argmax(1) == y)),
        "cascade_accuracy": float(np.mean(combined.argmax(1) == y)),
        "first_pass_alone_accuracy": float(np.mean(fast.argmax(1) == y)),
        "read_by_first_pass": float(accepted.mean()),
        "argmax_agreement_with_full": float(np.mean(combined.argmax(1) == full.argmax(1))),
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fast", required=True, help="the first-pass model exported by training.train --arch fast")
    ap.add_argument("--out", default=str(REPO / "resources" / "model"), help="the shipped model's folder")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "mnist.npz"))
    ap.add_argument("--usps", default=str(REPO.parent / "shared" / "data" / "usps_train.npz"))
    args = ap.parse_args(argv)

    out = Path(args.out)
    card_path = out / MODEL_CARD_FILE
    card = json.loads(card_path.read_text(encoding="utf-8"))
    full_path = out / (RUNTIME_MODEL_FILE if (out / RUNTIME_MODEL_FILE).is_file() else MODEL_FILE)
    fast_card = json.loads((Path(args.fast).parent / MODEL_CARD_FILE).read_text(encoding="utf-8"))
    seed = card["training"]["seed"]
    if fast_card["training"]["seed"] != seed or fast_card["training"]["data_sha256"] != card["training"]["data_sha256"]:
        raise SystemExit("the first pass must be trained on the same data and split (seed) as the full model")

    mnist = data.load_mnist(args.data)
    _, _, x_val, y_val = data.split_validation(mnist.x_train, mnist.y_train, card["training"]["validation_images"], seed)
    clean_val = augment.preprocess(x_val)[0]
    rough_val = augment.augment_and_preprocess(x_val, np.random.default_rng([seed, 99]))
    sets = {"mnist_test": (augment.preprocess(mnist.x_test)[0], mnist.y_test)}
    if Path(args.usps).is_file():
        usps = data.load_usps(args.usps)
        sets["usps"] = (augment.preprocess(usps[0])[0], usps[1])

    # The first pass as float or int8, whichever is faster, if int8 reads as well.
    fast_float = Path(args.fast)
    work = Path(tempfile.mkdtemp())
    fast_int8 = work / "fast_int8.onnx"
    quantize(fast_float, fast_int8, augment.preprocess(mnist.x_train[:2000])[0].reshape(-1, 28, 28, 1))
    speeds = {p: images_per_second(_runner(p), sets["mnist_test"][0].reshape(-1, 28, 28, 1))
              for p in (fast_float, fast_int8)}
    test_x, test_y = sets["mnist_test"]
    same = np.mean(predict(fast_float, test_x).argmax(1) == predict(fast_int8, test_x).argmax(1))
    chosen = fast_int8 if speeds[fast_int8] > speeds[fast_float] and same >= 0.998 else fast_float

    full_val = {k: predict(full_path, v) for k, v in (("clean", clean_val), ("augmented", rough_val))}
    fast_val = {k: predict(chosen, v) for k, v in (("clean", clean_val), ("augmented", rough_val))}
    thresholds = {k: threshold(y_val, fast_val[k], full_val[k]) for k in full_val}
    # Never below the review threshold: a digit the first pass would send to review goes to the
    # full model instead, whose confidence the review threshold was chosen for.
    review = float(card["review_threshold"])
    t = max(*thresholds.values(), review)

    section = {
        "file": FAST_MODEL_FILE,
        "threshold": t,
        "rule": "lowest first-pass confidence at which the digits it accepts are read no worse than by "
                "the full model, on the validation split, clean and augmented, and never below the review "
                "threshold (the strictest kept)",
        "thresholds_on_validation": thresholds,
        "full_model": full_path.name,
        "first_pass": {
            "architecture": fast_card["architecture"], "parameters": fast_card["parameters"],
            "training_command": fast_card["training"]["command"], "epochs": fast_card["training"]["epochs"],
            "training_seconds": fast_card["training"]["seconds"],
            "quantised": chosen == fast_int8,
            "images_per_s_1_thread": {"float": round(speeds[fast_float]), "int8": round(speeds[fast_int8])},
        },
        "validation": {k: cascade_figures(y_val, fast_val[k], full_val[k], t, review) for k in full_val},
    }
    full_session, fast_session = _session(full_path), _session(chosen)

    def run_cascade(batch):
        p = fast_session.run(None, {INPUT_NAME: batch})[0]
        unsure = p.max(1) < t
        if unsure.any():
            p[unsure] = full_session.run(None, {INPUT_NAME: batch[unsure]})[0]
        return p

    for name, (x, y) in sets.items():
        section[name] = cascade_figures(y, predict(chosen, x), predict(full_path, x), t, review)
    x = test_x.reshape(-1, 28, 28, 1)
    section["images_per_s_1_thread"] = {
        "full": round(images_per_second(_runner(full_path), x)),
        "cascade": round(images_per_second(run_cascade, x)),
    }
    shutil.copyfile(chosen, out / FAST_MODEL_FILE)
    section["sha256"] = hashlib.sha256((out / FAST_MODEL_FILE).read_bytes()).hexdigest()
    section["bytes"] = (out / FAST_MODEL_FILE).stat().st_size
    card["cascade"] = section
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(section, indent=2))
    return section


if __name__ == "__main__":
    main()
