"""Train, evaluate, export and document digitdesk's digit model in one command.

    python -m training.train --data ../shared/data/mnist.npz --out resources/model/

Writes ``digits.onnx``, ``model_card.json`` and ``confusion_matrix.png`` into ``--out``.
Settings are chosen on a validation split carved from MNIST's training set; the MNIST test
set is evaluated once, at the end, with the exported ONNX model under onnxruntime.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

from digitdesk.contract import MODEL_CARD_FILE, MODEL_FILE, NUM_CLASSES

from . import augment, card, data, evaluate
from .feed import EpochFeed

REPO = Path(__file__).resolve().parents[1]
DEFAULT_USPS = REPO.parent / "shared" / "data" / "usps_train.npz"
PNG_FILE = "confusion_matrix.png"


def _builder(name: str):
    def build(width: int):
        from . import model

        return getattr(model, name)(width)

    return build


# --arch: how to build it, and how the model card describes it.
ARCHITECTURES = {
    "cnn": (_builder("build_model"), "conv {w}-{w}, pool, conv {w2}-{w2}, pool, conv {w4} (3x3, BatchNorm+ReLU "
                                     "each), dense 128, dropout 0.1/0.1/0.3, softmax 10"),
    "fast": (_builder("build_fast_model"), "conv {w}, pool, conv {w2}, pool, conv {w4} (3x3, BatchNorm+ReLU "
                                           "each), dropout 0.2, softmax 10"),
    "mlp": (_builder("build_mlp_model"), "dense {w} (ReLU), dropout 0.2, softmax 10"),
    "mlp2": (_builder("build_mlp2_model"), "dense {w} and {w2h} (ReLU, dropout 0.2 each), softmax 10"),
    "lite": (_builder("build_lite_model"), "conv {w} stride 2, conv {w2} stride 2, conv {w4} (3x3, "
                                           "BatchNorm+ReLU each), dropout 0.2, softmax 10"),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    p.add_argument("--data", help=".npz (x_train, y_train, x_test, y_test) or a folder of the four "
                                  "MNIST IDX files (gzipped or not); omitted: Keras downloads MNIST")
    p.add_argument("--out", default=str(REPO / "resources" / "model"), help="output folder")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, help="train on only the first N training images (smoke runs)")
    p.add_argument("--eval-limit", type=int, help="evaluate on only the first N test and USPS images "
                                                  "(smoke runs; the card says so)")
    p.add_argument("--usps", default=str(DEFAULT_USPS) if DEFAULT_USPS.is_file() else None,
                   help="USPS .npz to report accuracy on (never trained on); 'none' to skip")
    p.add_argument("--val-size", type=int, default=5000, help="validation images carved from training")
    p.add_argument("--width", type=int, default=24, help="channels of the first conv stage (hidden units for --arch mlp)")
    p.add_argument("--arch", choices=tuple(ARCHITECTURES), default="cnn",
                   help="cnn: the shipped model; fast, lite, mlp, mlp2: candidates for the cascade's first passes "
                        "(training/cascade.py)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (AdamW, cosine)")
    p.add_argument("--label-smoothing", type=float, default=0.05)
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                   help="processes making augmented epochs (0: in-process)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras fit verbosity")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    if args.usps and args.usps.lower() == "none":
        args.usps = None
    return args


def one_hot(y: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[y]


def set_seeds(seed: int) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    # Deterministic kernels cost little on CPU and make a rerun land on the same figures.
    tf.config.experimental.enable_op_determinism()


def log(msg: str) -> None:
    print(f"[train] {msg}", flush=True)


def main(argv=None) -> dict:
    args = parse_args(argv)
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    mnist = data.load_mnist(args.data)
    x_tr, y_tr, x_val, y_val = data.split_validation(mnist.x_train, mnist.y_train, args.val_size, args.seed)
    if args.limit:
        x_tr, y_tr = x_tr[: args.limit], y_tr[: args.limit]
    x_te, y_te = mnist.x_test, mnist.y_test
    usps = data.load_usps(args.usps) if args.usps else None
    if args.eval_limit:
        x_te, y_te = x_te[: args.eval_limit], y_te[: args.eval_limit]
        if usps:
            usps = (usps[0][: args.eval_limit], usps[1][: args.eval_limit], usps[2])
    log(f"data: {mnist.source}; train {len(x_tr)}, validation {len(x_val)}, test {len(x_te)}"
        + (f", USPS {len(usps[0])}" if usps else ""))

    import keras  # after data checks, so bad input fails fast without loading TensorFlow

    from . import export
    from .model import compile_model

    set_seeds(args.seed)
    with EpochFeed(x_tr, y_tr, seed=args.seed, workers=args.workers) as feed:
        feed.prefetch(0)
        t0 = time.perf_counter()
        # In this process, while the workers build the first augmented epoch.
        xv, ok_val = augment.preprocess(x_val)
        xt, ok_test = augment.preprocess(x_te)
        xu, ok_usps = augment.preprocess(usps[0]) if usps else (None, None)
        log(f"clean preprocessing of validation/test/USPS: {time.perf_counter() - t0:.1f}s")

        model = ARCHITECTURES[args.arch][0](args.width)
        steps = -(-len(x_tr) // args.batch_size)
        compile_model(model, steps, args.epochs, peak_lr=args.lr, label_smoothing=args.label_smoothing)
        log(f"model: {model.count_params()} parameters; {args.epochs} epochs of {steps} steps")

        history: list[dict] = []
        train_start = time.perf_counter()
        wait_total = 0.0
        for epoch in range(args.epochs):
            t_wait = time.perf_counter()
            xe, ye = feed.epoch(epoch)
            wait_total += time.perf_counter() - t_wait
            if epoch + 1 < args.epochs:
                feed.prefetch(epoch + 1)
            log(f"epoch {epoch + 1}/{args.epochs}")
            t_ep = time.perf_counter()
            h = model.fit(xe, one_hot(ye), batch_size=args.batch_size, epochs=epoch + 1,
                          initial_epoch=epoch, shuffle=False, verbose=args.verbose,
                          validation_data=(xv[..., None], one_hot(y_val)))
            row = {k: round(float(v[-1]), 5) for k, v in h.history.items()}
            row.update(epoch=epoch + 1, seconds=round(time.perf_counter() - t_ep, 1))
            history.append(row)
            log(f"epoch {epoch + 1}: val_accuracy {row.get('val_accuracy', float('nan')):.4f}, "
                f"{row['seconds']}s")
        train_seconds = time.perf_counter() - train_start

    onnx_path = export.export_onnx(model, out / MODEL_FILE)
    par = export.parity(model, onnx_path, xt)
    log(f"parity Keras vs onnxruntime on {par['images']} test images: max abs diff "
        f"{par['max_abs_diff']:.2e}, argmax identical: {par['argmax_identical']}")
    if par["max_abs_diff"] > 1e-5 or not par["argmax_identical"]:
        raise SystemExit(f"ONNX export does not match Keras: {par}")

    # Every figure below comes from the exported ONNX file alone, as the app will run it.
    p_val = export.onnx_predict(onnx_path, xv)
    val = evaluate.report(y_val, p_val, ok_val)
    review = evaluate.review_threshold(y_val, p_val)
    test = evaluate.report(y_te, export.onnx_predict(onnx_path, xt), ok_test)
    usps_report = evaluate.report(usps[1], export.onnx_predict(onnx_path, xu), ok_usps) if usps else None

    total_seconds = time.perf_counter() - started
    model_card = {
        "name": "digitdesk digit classifier",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE,
        "onnx": {"sha256": data.sha256_file(onnx_path), "opset": export.opset_of(onnx_path),
                 "bytes": onnx_path.stat().st_size, "input": "image float32 [N,28,28,1] in [0,1]",
                 "output": "probabilities float32 [N,10] softmax"},
        "parameters": int(model.count_params()),
        "architecture": ARCHITECTURES[args.arch][1].format(
            w=args.width, w2=2 * args.width, w4=4 * args.width, w2h=args.width // 2),
        "training": {
            "command": "python -m training.train " + " ".join(sys.argv[1:] if argv is None else argv),
            "data": mnist.source, "data_sha256": mnist.sha256, "seed": args.seed,
            "epochs": args.epochs, "batch_size": args.batch_size,
            "train_images": int(len(x_tr)), "validation_images": int(len(x_val)),
            "optimizer": f"AdamW (weight decay 5e-4), peak lr {args.lr}, 1-epoch warm-up, cosine decay",
            "label_smoothing": args.label_smoothing,
            "augmentation": augment.__doc__.strip().split("\n\n")[1].replace("\n", " "),
            "preprocessing": "every training, validation, test and USPS image passed through "
                             "digitdesk.preprocess.to_model_input",
            "history": history,
            "seconds": round(train_seconds, 1),
            "seconds_per_epoch": round(train_seconds / args.epochs, 1),
            "seconds_waiting_for_augmentation": round(wait_total, 1),
            "total_seconds": round(total_seconds, 1),
            "machine": card.machine(),
            "versions": card.versions(),
        },
        "validation": {k: val[k] for k in ("images", "accuracy", "errors")},
        "review_threshold": review["review_threshold"],
        "review": review,
        "test": {"set": "MNIST test" + (f" (first {len(x_te)})" if args.eval_limit else ""), **test},
        "usps": ({"set": f"USPS training split ({Path(args.usps).name}, never trained on)",
                  "sha256": usps[2], **{k: usps_report[k] for k in ("images", "accuracy", "errors",
                                                                    "per_class", "confusion_matrix")}}
                 if usps else None),
        "parity": par,
    }
    # The int8 copy the app runs: quantised on training digits, measured on the same sets.
    from .quantize import int8_section

    calib = augment.preprocess(x_tr[:2000])[0].reshape(-1, 28, 28, 1)
    sets = {"mnist_test": (xt.reshape(-1, 28, 28, 1), y_te)}
    if usps:
        sets["usps"] = (xu.reshape(-1, 28, 28, 1), usps[1])
    model_card["int8"] = int8_section(onnx_path, calib, sets)
    log(f"int8 copy: MNIST test {model_card['int8']['mnist_test']['int8_accuracy']:.4%}, "
        f"{model_card['int8']['images_per_s_1_thread']} images/s on one thread, "
        f"shipped: {model_card['int8']['shipped']}")
    card.write_card(model_card, out / MODEL_CARD_FILE)
    card.draw_confusion(np.array(test["confusion_matrix"]), out / PNG_FILE,
                        f"MNIST test, ONNX model ({args.epochs} epochs, seed {args.seed})")
    log(f"validation accuracy {val['accuracy']:.4%} ({val['errors']} errors)")
    log(f"MNIST test accuracy {test['accuracy']:.4%} ({test['errors']} errors)")
    if usps_report:
        log(f"USPS accuracy {usps_report['accuracy']:.4%} ({usps_report['errors']} errors)")
    log(f"review threshold {review['review_threshold']:.4f}: sends "
        f"{1 - review['validation_accepted_fraction']:.2%} of validation to review, catching "
        f"{review['validation_errors_sent_to_review']}/{review['validation_errors_total']} errors")
    log(f"training {train_seconds:.0f}s ({train_seconds / args.epochs:.1f}s/epoch), total {total_seconds:.0f}s; "
        f"wrote {out / MODEL_FILE} ({onnx_path.stat().st_size} bytes), {MODEL_CARD_FILE}, {PNG_FILE}")
    return model_card


if __name__ == "__main__":
    try:
        main()
    except data.DataError as e:
        raise SystemExit(f"error: {e}")
