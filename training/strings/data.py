"""Synthetic written amounts for the string model, drawn the way the runtime will see them.

Each sample is an amount composed by the cheque generator's handwriting (MNIST *training*
digits, separators, dashes, ``$``, ``/-``, touching digits), with what field location leaves
behind on real scans (stray specks, stubs of ruled lines, faint strokes), turned into the
model's input by the runtime's own :func:`digitdesk.numbers.string_model.strip_input`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from digitdesk.numbers.string_model import strip_input
from tests.synth.handwriting import random_amount, random_writer, render_amount
from tests.synth.mnist_source import digit_bank

MAX_DIGITS = 6


def _artefacts(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = ink.shape
    ink = np.pad(ink, ((8, 8), (8, 8)))
    h, w = ink.shape
    if rng.random() < 0.4:                       # specks of dust and texture
        for _ in range(int(rng.integers(1, 6))):
            y, x = int(rng.integers(0, h - 3)), int(rng.integers(0, w - 3))
            s = int(rng.integers(1, 4))
            ink[y : y + s, x : x + s] = np.maximum(ink[y : y + s, x : x + s], rng.uniform(0.4, 1))
    if rng.random() < 0.2:                       # a stub of a ruled line left at an edge
        y = int(rng.choice([rng.integers(0, 6), rng.integers(h - 6, h)]))
        x0 = int(rng.integers(0, w // 2))
        ink[y : y + 2, x0 : x0 + int(rng.integers(5, w // 3))] = rng.uniform(0.5, 1)
    if rng.random() < 0.3:
        ink = ndimage.gaussian_filter(ink, rng.uniform(0.4, 1.0))
        ink = np.clip(ink / max(ink.max(), 1e-6), 0, 1)
    if rng.random() < 0.2:                       # faint pen
        ink = np.clip(ink * rng.uniform(0.5, 0.9) / 0.9, 0, 1)
    return ink.astype(np.float32)


class DistortedBank:
    """A digit bank whose digits come out reshaped (affine and elastic, as the digit model is
    trained): MNIST has 6,000 writers' digits per class, and a string model that has only seen
    them reads other hands worse than the digit model does."""

    def __init__(self, bank, share: float):
        self.bank, self.share = bank, share

    def sample(self, digit: int, rng: np.random.Generator) -> np.ndarray:
        image = self.bank.sample(digit, rng)
        if rng.random() >= self.share:
            return image
        from training.augment import elastic, random_affine

        g = image.astype(np.float32) / 255.0
        g = random_affine(g, rng)
        if rng.random() < 0.7:
            g = elastic(g, rng)
        return (np.clip(g, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def make_sample(rng: np.random.Generator, split: str = "train", runtime: bool = True,
                distort: float = 0.0) -> tuple[np.ndarray, str]:
    """One strip and its digits. With ``runtime``, the ink goes through the runtime's own
    preparation (ruled lines, slant taken out, specks dropped) exactly as a field's ink does;
    ``distort``: the share of digits reshaped (:class:`DistortedBank`)."""
    bank = digit_bank(split)
    if distort:
        bank = DistortedBank(bank, distort)
    text, digits = random_amount(rng, MAX_DIGITS)
    writer = random_writer(rng)
    ink = _artefacts(render_amount(text, bank, writer, rng).ink, rng)
    strip = None
    if runtime:
        from digitdesk.numbers.reading import prepare_ink
        from digitdesk.numbers.string_reading import layout_strip
        from digitdesk.preprocess import NoInkError

        try:
            made = layout_strip(prepare_ink(ink))
            strip = made[0] if made else None
        except NoInkError:
            strip = None
    if strip is None:
        strip, _ = strip_input(ink)
    return (strip * 255 + 0.5).astype(np.uint8), digits


def make_set(n: int, seed: int, split: str = "train", distort: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` strips (uint8) and labels [n, MAX_DIGITS] (digit + 1, 0 = padding: CTC's blank)."""
    rng = np.random.default_rng(seed)
    strips = []
    labels = np.zeros((n, MAX_DIGITS), dtype=np.int32)
    for i in range(n):
        strip, digits = make_sample(rng, split, distort=distort)
        strips.append(strip)
        labels[i, : len(digits)] = [int(c) + 1 for c in digits]
    return np.stack(strips), labels


def make_cheque_set(n: int, seed: int, split: str = "train", saved: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Strips cut from whole synthetic cheque scans by the runtime's own field location and
    preparation: what the model meets in use (line-removal leftovers, a printed $ drifting
    in, deslanted writing). Slower to make than :func:`make_set`; used to fine-tune.

    With ``saved``, each scan is written in turn as JPEG, PNG, LZW TIFF and G4 TIFF and read
    back by :func:`digitdesk.loading.open_pages`, as a batch reads it: JPEG blocks and the
    bitonal scan's thresholding (thin dashes falling apart) are then in the strips too.
    """
    import tempfile
    from pathlib import Path

    from digitdesk.field_locate import locate_field
    from digitdesk.fields import Field
    from digitdesk.loading import open_pages
    from digitdesk.numbers.reading import prepare_ink
    from digitdesk.numbers.string_reading import layout_strip
    from digitdesk.preprocess import NoInkError
    from tests.synth.cheque import amount_field_fractions, make_cheque
    from tests.synth.files import FORMATS, SUFFIX, save_scan

    field = Field("amount", *amount_field_fractions(), mode="number")
    strips, labels = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            c = make_cheque(seed * 100000 + i, split=split)
            page = c.image
            if saved:
                fmt = FORMATS[i % len(FORMATS)]
                path = save_scan(c, Path(tmp) / f"scan{SUFFIX[fmt]}", fmt)
                page = next(iter(open_pages(path))).gray
            try:
                made = layout_strip(prepare_ink(locate_field(page, field).ink, lines=False))
            except NoInkError:
                continue
            if made is None:
                continue
            strips.append((made[0] * 255 + 0.5).astype(np.uint8))
            row = np.zeros(MAX_DIGITS, dtype=np.int32)
            row[: len(c.amount)] = [int(ch) + 1 for ch in c.amount]
            labels.append(row)
    return np.stack(strips), np.stack(labels)


def _cheque_chunk(args):
    n, seed, saved = args
    return make_cheque_set(n, seed, saved=saved)


def main(argv=None) -> int:
    """``python -m training.strings.data --cheques N --seed S [--saved] --out FILE.npz``: cheque
    strips for ``train --extra`` (seeds S, S+1, ... per chunk of 500, so chunks never repeat)."""
    import argparse
    from multiprocessing import Pool

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--cheques", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--saved", action="store_true", help="through the four scan formats")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    chunk = 500
    jobs = [(min(chunk, args.cheques - i), args.seed + i // chunk, args.saved) for i in range(0, args.cheques, chunk)]
    with Pool(args.workers) as pool:
        parts = pool.map(_cheque_chunk, jobs)
    x, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    np.savez(args.out, x=x, y=y)
    print(f"{len(x)} strips -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
