"""Average the weights of checkpoints of one run: ``python -m training.strings.average OUT CKPT...``.

The last few checkpoints of a run at a low, fixed rate (``train --chunks``) read about equally well
and differ by a few amounts either way on cheque scans; for the shipped first model (see the
model card) their mean read as well as the best of them, and was sure of more amounts. BatchNorm
statistics are averaged too, which is sound only for checkpoints this close.
"""

from __future__ import annotations

import argparse

import numpy as np


def average(paths: list[str]):
    """A model with the first checkpoint's architecture and the mean of all their weights."""
    import keras

    models = [keras.models.load_model(p, compile=False) for p in paths]
    weights = [m.get_weights() for m in models]
    if any(len(w) != len(weights[0]) or any(a.shape != b.shape for a, b in zip(w, weights[0])) for w in weights):
        raise ValueError("checkpoints of different architectures cannot be averaged")
    models[0].set_weights([np.mean(layer, axis=0) for layer in zip(*weights)])
    return models[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", help="the averaged model (.keras), e.g. for train --export-from")
    parser.add_argument("checkpoints", nargs="+")
    args = parser.parse_args(argv)
    average(args.checkpoints).save(args.out)
    print(f"wrote {args.out}: the mean of {len(args.checkpoints)} checkpoints")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
