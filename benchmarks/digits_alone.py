"""Each reader of amounts on digits written alone: how good a digit classifier is each one?

    python benchmarks/digits_alone.py [--count 4000] [--seed 1] [--split test]

Draws ``--count`` MNIST digits (``--split``: test, or train, which the models learnt from), has
a random writer of the cheque generator render each one alone as a one-digit amount (pen,
slant, size as on the cheques), and reads it

* with each shipped string model, on the strip the runtime makes of it (its own preparation);
* with the digit CNN, through the app's digit preprocessing of the same ink (the baseline);
* with the digit CNN on the original 28x28 MNIST image, for reference.

Where segmentation cuts a digit out cleanly, the CNN's figure is what it reads; the string
models read every digit of an amount in context, and here, alone, they show their strength as
classifiers. The gap is why :func:`digitdesk.numbers.string_reading.weigh_digits` lets a digit
the CNN is sure of replace theirs. Nothing is asserted: figures are for the note.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _One:
    """A digit bank that always gives the one image it holds."""

    def __init__(self, image: np.ndarray):
        self.image = image

    def sample(self, digit: int, rng) -> np.ndarray:
        return self.image


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", choices=["test", "train"], default="test")
    args = parser.parse_args(argv)

    from digitdesk.model import DigitModel
    from digitdesk.numbers.reading import prepare_ink
    from digitdesk.numbers.string_model import StringModel, decode, default_path, opinion_paths
    from digitdesk.numbers.string_reading import layout_strip
    from digitdesk.preprocess import NoInkError
    from digitdesk.recognize import read_digit_ink
    from tests.synth import mnist_available
    from tests.synth.handwriting import random_writer, render_amount
    from tests.synth.mnist_source import digit_bank

    if not mnist_available():
        print("shared MNIST data not found")
        return 1
    bank = digit_bank(args.split)
    labels = np.zeros(len(bank.images), dtype=int)
    for k, members in enumerate(bank.by_class):
        labels[members] = k
    rng = np.random.default_rng(args.seed)
    strips, inks, raw, truth = [], [], [], []
    for i in rng.choice(len(bank.images), args.count, replace=False):
        ink = render_amount(str(labels[i]), _One(bank.images[i]), random_writer(rng), rng).ink
        try:
            made = layout_strip(prepare_ink(ink))
        except NoInkError:
            made = None
        if made is None:
            continue
        strips.append(made[0])
        inks.append(ink)
        raw.append(bank.images[i])
        truth.append(str(labels[i]))
    x = np.stack(strips)
    print(f"{len(truth)} MNIST {args.split} digits, each written alone (seed {args.seed})")
    cnn = DigitModel()
    base = np.mean([read_digit_ink(ink, cnn).text == t for ink, t in zip(inks, truth)])
    for path in [default_path(), *opinion_paths()]:
        model = StringModel(path)
        texts = [decode(f).text for f in np.concatenate([model.frames(x[j : j + 256]) for j in range(0, len(x), 256)])]
        right = np.mean([a == t for a, t in zip(texts, truth)])
        kinds = Counter("length" if len(a) != 1 else "digit" for a, t in zip(texts, truth) if a != t)
        print(f"  string model {path.name:20s} {right:7.2%}  ({kinds['digit']} read as another digit, "
              f"{kinds['length']} as none or several); errors {(1 - right) / max(1 - base, 1e-9):.1f}x the CNN's")
    print(f"  digit CNN, app preprocessing        {base:7.2%}  (baseline)")
    pred = cnn.predict(np.stack(raw).astype(np.float32)[..., None] / 255.0).argmax(axis=1)
    print(f"  digit CNN, original MNIST image     {np.mean([str(p) == t for p, t in zip(pred, truth)]):7.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
