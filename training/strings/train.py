"""Train and export the string model: ``python -m training.strings.train --out resources/model_strings``.

Data are made on the fly by :mod:`.data` from MNIST training digits (a seeded validation set
from the same digits measures exact-string accuracy); the model is exported to ONNX with Keras
3's own exporter and its output renamed to the contract's ``frames``; a model card records the
data, the settings and the validation figures.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np


def _chunk(args):
    from .data import make_set

    n, seed, distort = args
    return make_set(n, seed, distort=distort)


def make_data(n: int, seed: int, workers: int, distort: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    chunk = 1000
    jobs = [(min(chunk, n - i), seed * 1000 + i // chunk, distort) for i in range(0, n, chunk)]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, jobs)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def exact_accuracy(frames: np.ndarray, labels: np.ndarray) -> float:
    from digitdesk.numbers.string_model import decode

    right = 0
    for f, y in zip(frames, labels):
        truth = "".join(str(v - 1) for v in y if v)
        right += decode(f).text == truth
    return right / len(labels)


def export_onnx(model, path: Path) -> None:
    import onnx

    from .model import for_export

    runtime = for_export(model)
    from digitdesk.numbers.string_model import STRIP_H, STRIP_W

    runtime(np.zeros((1, STRIP_H, STRIP_W, 1), dtype=np.float32))  # the exporter needs one call
    raw = path.with_suffix(".raw.onnx")
    runtime.export(str(raw), format="onnx")
    m = onnx.load(str(raw))
    old = m.graph.output[0].name
    for node in m.graph.node:
        node.output[:] = ["frames" if o == old else o for o in node.output]
    m.graph.output[0].name = "frames"
    from .any_width import any_width

    onnx.save(any_width(m), str(path))  # the runtime feeds only a strip's inked columns
    raw.unlink()


def fit_in_chunks(model, x: np.ndarray, y: np.ndarray, validation, args) -> None:
    """Short passes of ``args.chunk`` strips at a fixed rate each, so a long run (the deep model
    on 310k strips) leaves a checkpoint every few minutes and its rate schedule is written down.

    The strips are shuffled once per pass over all of them; a chunk may be cut short at the end
    of a pass.
    """
    rates = [float(r) for part in args.chunks.split(",") for r, n in [part.split(":")] for _ in range(int(n))]
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x))
    for k, rate in enumerate(rates):
        start = (k * args.chunk) % len(x)
        if k and start < args.chunk:
            order = rng.permutation(len(x))
        idx = order[start : start + args.chunk]
        model.optimizer.learning_rate.assign(rate)
        t = time.time()
        h = model.fit((x[idx].astype(np.float32) / 255.0)[..., None], y[idx], batch_size=64, epochs=1,
                      validation_data=validation, verbose=0)
        if args.checkpoint:
            model.save(args.checkpoint.format(epoch=k))
        print(f"chunk {k} rate {rate:g}: loss {h.history['loss'][-1]:.3f}, "
              f"validation {h.history['val_loss'][-1]:.3f}, {time.time() - t:.0f}s", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="resources/model_strings")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--val", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--deep", action="store_true", help="two convolutions per resolution (model.build)")
    parser.add_argument("--chunks", default="",
                        help="train in chunks of --chunk strips instead of epochs, at these rates: "
                             "'1e-3:8,3e-4:4' is 8 chunks at 1e-3 then 4 at 3e-4; a checkpoint after each")
    parser.add_argument("--chunk", type=int, default=60000, help="strips per chunk (with --chunks)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", default="", help="npz to reuse generated data from")
    parser.add_argument("--checkpoint", default="", help="save the Keras model here after every epoch")
    parser.add_argument("--export-from", default="", help="skip training: export this saved Keras model")
    parser.add_argument("--init", default="", help="start from this saved Keras model (fine-tuning)")
    parser.add_argument("--extra", action="append", default=[],
                        help="npz of pipeline-made strips (x, y) to mix in, see data.make_cheque_set")
    parser.add_argument("--extra-repeat", type=int, default=3, help="how many times the extra strips count")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--distort", type=float, default=0.0,
                        help="share of training digits reshaped (affine, elastic); validation stays plain")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    t0 = time.time()
    if args.cache and Path(args.cache).is_file():
        d = np.load(args.cache)
        x, y, vx, vy = d["x"], d["y"], d["vx"], d["vy"]
    else:
        x, y = make_data(args.train, args.seed, args.workers, args.distort)
        vx, vy = make_data(args.val, args.seed + 100, args.workers)
        if args.cache:
            np.savez(args.cache, x=x, y=y, vx=vx, vy=vy)
    extra_n = 0
    for path in args.extra:
        e = np.load(path)
        extra_n += len(e["x"])
        x = np.concatenate([x] + [e["x"]] * args.extra_repeat)
        y = np.concatenate([y] + [e["y"]] * args.extra_repeat)
    print(f"data: {len(x)} train ({extra_n} pipeline-made strips x{args.extra_repeat}), "
          f"{len(vx)} validation strips in {time.time() - t0:.0f}s", flush=True)

    import keras

    from .model import build

    keras.utils.set_random_seed(args.seed)
    vxs = (vx.astype(np.float32) / 255.0)[..., None]
    if args.export_from:
        model = keras.models.load_model(args.export_from, compile=False)
    else:
        model = keras.models.load_model(args.init, compile=False) if args.init else build(args.width, args.deep)
        model.compile(optimizer=keras.optimizers.Adam(args.lr), loss=keras.losses.CTC())
        if args.chunks:
            fit_in_chunks(model, x, y, (vxs, vy), args)
        else:
            xs = (x.astype(np.float32) / 255.0)[..., None]
            callbacks = [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=1, min_lr=3e-5)]
            if args.checkpoint:
                callbacks.append(keras.callbacks.ModelCheckpoint(args.checkpoint))
            model.fit(xs, y, batch_size=64, epochs=args.epochs, validation_data=(vxs, vy), callbacks=callbacks,
                      verbose=2)
    import keras.ops as ops

    probs = np.asarray(ops.softmax(model.predict(vxs, batch_size=256, verbose=0), axis=-1))
    acc = exact_accuracy(probs, vy)
    print(f"validation exact-string accuracy: {acc:.4f}", flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, out / "strings.onnx")
    card = {
        "model": "strings.onnx",
        "task": "whole written amounts (digit strings) read with a CTC head; separators and symbols emit nothing",
        "input": "strip float32 [N,32,256,1], white ink on black (digitdesk.numbers.string_model.strip_input)",
        "output": "frames float32 [N,64,11] softmax; class 0 = CTC blank, d+1 = digit d",
        "data": f"{len(x) - extra_n * args.extra_repeat} synthetic amounts from MNIST training digits "
                f"(tests.synth handwriting), seed {args.seed}"
                + (f"; plus {extra_n} strips cut by the runtime from synthetic cheque scans of MNIST training "
                   f"digits, counted {args.extra_repeat}x" if extra_n else ""),
        "fine_tuned_from": args.init or None,
        "learning_rate": args.lr,
        "validation_exact_string_accuracy": round(acc, 4),
        "validation_size": int(len(vx)),
        "epochs": args.epochs,
        # read from the model, so a card written by --export-from describes what it exported
        "convolutions": [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)],
        "chunks": args.chunks or None,
        "train_seconds": round(time.time() - t0),
    }
    (out / "model_card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(card, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
