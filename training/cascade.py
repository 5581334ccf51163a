"""Ship cheap first-pass models in front of the full one, with the thresholds that make them safe.

    python -m training.train --arch mlp --width 128 --epochs 12 --out /tmp/mlp      # train them
    python -m training.train --arch fast --width 12 --epochs 12 --out /tmp/fast
    python -m training.cascade --fast /tmp/mlp/digits.onnx --fast /tmp/fast/digits.onnx  # ship

Each stage reads the digits the stages before it were unsure of; whatever the last stage is
unsure of goes on to the full model (``digitdesk.model.DigitModel``). A stage's threshold is the
lowest confidence at which it, on what it accepts, makes no more errors than the full model makes
on the same digits, and never below the review threshold (digits headed for review are the full
model's to judge). It is chosen on the validation split (which no model trained on), clean and
with the training augmentation (thin and thick strokes, low resolution, bitonal, noise: a
stand-in for real inputs that differ from MNIST), and the stricter of the two is kept. MNIST test
and USPS are measured once, afterwards. Writes ``digits_pass1.onnx``, ``digits_pass2.onnx``...
(each as its int8 copy when that is faster and reads as well) and a ``cascade`` section into the
model card.
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

from digitdesk.contract import INPUT_NAME, MODEL_CARD_FILE, MODEL_FILE, RUNTIME_MODEL_FILE, STAGE_FILE

from digitdesk.model import run_cascade

from . import augment, data
from .export import onnx_predict
from .quantize import quantize

REPO = Path(__file__).resolve().parents[1]


def _session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


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


def combine(stage_probs: list[np.ndarray], thresholds: list[float], full: np.ndarray) -> tuple[np.ndarray, list]:
    """What the cascade answers: each stage's probabilities where it is the first to be sure,
    the full model's for the rest; and the fraction each stage answers."""
    combined, undecided, shares = full.copy(), np.ones(len(full), dtype=bool), []
    for p, t in zip(stage_probs, thresholds):
        take = undecided & (p.max(axis=1) >= t)
        combined[take] = p[take]
        undecided &= ~take
        shares.append(float(take.mean()))
    return combined, shares


def cascade_figures(y, stage_probs, full, thresholds, review: float) -> dict:
    combined, shares = combine(stage_probs, thresholds, full)

    def status_ok(p):  # rows the app marks ok (not review), and how often those are wrong
        ok = p.max(axis=1) >= review
        return {"fraction": float(ok.mean()), "error_rate": float(np.mean(p[ok].argmax(1) != y[ok]))}

    return {
        "images": int(len(y)),
        "full_accuracy": float(np.mean(full.argmax(1) == y)),
        "cascade_accuracy": float(np.mean(combined.argmax(1) == y)),
        "read_by_stage": shares,
        "argmax_agreement_with_full": float(np.mean(combined.argmax(1) == full.argmax(1))),
        "status_ok_full": status_ok(full),
        "status_ok_cascade": status_ok(combined),
    }


def _cheaper_copy(model: Path, work: Path, calibration: np.ndarray, test_x: np.ndarray) -> tuple[Path, dict]:
    """The model as float or int8, whichever is faster, if int8 reads as well (99.8% agreement)."""
    int8 = work / f"{model.parent.name}_{model.stem}_int8.onnx"
    quantize(model, int8, calibration)
    x = test_x.reshape(-1, 28, 28, 1)
    speeds = {p: images_per_second(_runner(p), x) for p in (model, int8)}
    same = float(np.mean(onnx_predict(model, x).argmax(1) == onnx_predict(int8, x).argmax(1)))
    chosen = int8 if speeds[int8] > speeds[model] and same >= 0.998 else model
    return chosen, {"quantised": chosen == int8, "int8_argmax_agreement": same,
                    "images_per_s_1_thread": {"float": round(speeds[model]), "int8": round(speeds[int8])}}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fast", required=True, action="append",
                    help="a first-pass model exported by training.train (repeat, cheapest first)")
    ap.add_argument("--out", default=str(REPO / "resources" / "model"), help="the shipped model's folder")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "mnist.npz"))
    ap.add_argument("--usps", default=str(REPO.parent / "shared" / "data" / "usps_train.npz"))
    args = ap.parse_args(argv)

    out = Path(args.out)
    card_path = out / MODEL_CARD_FILE
    card = json.loads(card_path.read_text(encoding="utf-8"))
    full_path = out / (RUNTIME_MODEL_FILE if (out / RUNTIME_MODEL_FILE).is_file() else MODEL_FILE)
    seed = card["training"]["seed"]
    stage_cards = [json.loads((Path(f).parent / MODEL_CARD_FILE).read_text(encoding="utf-8")) for f in args.fast]
    for c in stage_cards:
        if c["training"]["seed"] != seed or c["training"]["data_sha256"] != card["training"]["data_sha256"]:
            raise SystemExit("every stage must be trained on the same data and split (seed) as the full model")

    mnist = data.load_mnist(args.data)
    _, _, x_val, y_val = data.split_validation(mnist.x_train, mnist.y_train, card["training"]["validation_images"], seed)
    val = {"clean": augment.preprocess(x_val)[0],
           "augmented": augment.augment_and_preprocess(x_val, np.random.default_rng([seed, 99]))}
    sets = {"mnist_test": (augment.preprocess(mnist.x_test)[0], mnist.y_test)}
    if Path(args.usps).is_file():
        usps = data.load_usps(args.usps)
        sets["usps"] = (augment.preprocess(usps[0])[0], usps[1])
    test_x = sets["mnist_test"][0]
    calibration = augment.preprocess(mnist.x_train[:2000])[0].reshape(-1, 28, 28, 1)
    # Never below the review threshold: a digit a stage would send to review goes on to the
    # full model, whose confidence the review threshold was chosen for.
    review = float(card["review_threshold"])

    work = Path(tempfile.mkdtemp())
    full_val = {k: onnx_predict(full_path, v) for k, v in val.items()}
    undecided = {k: np.ones(len(y_val), dtype=bool) for k in val}
    chosen, stages, thresholds = [], [], []
    for k, (path, stage_card) in enumerate(zip(args.fast, stage_cards), start=1):
        model, speed = _cheaper_copy(Path(path), work, calibration, test_x)
        probs = {name: onnx_predict(model, v) for name, v in val.items()}
        # Chosen on the digits the earlier stages left, each validation set; the strictest kept.
        found = {name: threshold(y_val[undecided[name]], probs[name][undecided[name]], full_val[name][undecided[name]])
                 for name in val}
        t = max(*found.values(), review)
        for name in val:
            undecided[name] &= probs[name].max(axis=1) < t
        chosen.append(model)
        thresholds.append(t)
        stages.append({
            "file": STAGE_FILE.format(k=k), "threshold": t, "thresholds_on_validation": found,
            "architecture": stage_card["architecture"], "parameters": stage_card["parameters"],
            "training_command": stage_card["training"]["command"], "epochs": stage_card["training"]["epochs"],
            "training_seconds": stage_card["training"]["seconds"], **speed,
        })

    section = {
        "stages": stages,
        "rule": "each stage's threshold is the lowest confidence at which the digits it accepts (of those the "
                "earlier stages left) are read no worse than by the full model, on the validation split, clean "
                "and augmented, and never below the review threshold (the strictest kept)",
        "full_model": full_path.name,
        "validation": {name: cascade_figures(y_val, [onnx_predict(m, v) for m in chosen], full_val[name], thresholds, review)
                       for name, v in val.items()},
    }
    for name, (x, y) in sets.items():
        section[name] = cascade_figures(y, [onnx_predict(m, x) for m in chosen], onnx_predict(full_path, x), thresholds, review)

    stage_sessions = list(zip([_session(m) for m in chosen], thresholds))
    full_session = _session(full_path)
    x = test_x.reshape(-1, 28, 28, 1)
    section["images_per_s_1_thread"] = {
        "full": round(images_per_second(_runner(full_path), x)),
        "cascade": round(images_per_second(lambda batch: run_cascade(stage_sessions, full_session, batch), x)),
    }
    for old in out.glob(STAGE_FILE.format(k="*")):
        old.unlink()
    for stage, model in zip(stages, chosen):
        shutil.copyfile(model, out / stage["file"])
        stage["sha256"] = hashlib.sha256((out / stage["file"]).read_bytes()).hexdigest()
        stage["bytes"] = (out / stage["file"]).stat().st_size
    card["cascade"] = section
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(section, indent=2))
    return section


if __name__ == "__main__":
    main()
