"""The string recogniser: a CNN with a CTC head that reads a whole written amount at once.

It complements the segmentation reader (:mod:`.segmentation`): it needs no cuts, so touching
and overlapping digits cost it nothing, while segmentation gives exact digit boxes. Model
contract, written once for training (``training/strings``) and the runtime:

* input ``strip``: float32 [N, STRIP_H, STRIP_W, 1], white ink on black in [0, 1]: the ink's
  bounding box scaled to fit STRIP_H - 2 * PAD rows (and at most STRIP_W - 2 * PAD columns),
  placed PAD pixels from the top-left corner (:func:`strip_input`);
* output ``frames``: float32 [N, FRAMES, 11], per-frame softmax; class 0 is the CTC blank,
  class d + 1 is digit d. Separators, dashes, ``$`` and ``/-`` have no class: the model is
  trained to emit nothing for them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from ..resources_path import resource_path

STRIP_H, STRIP_W, PAD = 32, 256, 2
FRAMES = STRIP_W // 4
INPUT_NAME, OUTPUT_NAME = "strip", "frames"
MODEL_DIR, MODEL_FILE = "model_strings", "strings.onnx"
INK_LEVEL = 0.3
# Columns read past the last ink: more than a model's reach along the strip, so the frames over
# the ink do not change (the deep first model sees 37 columns past a frame: 7 convolutions, two
# pools and two along the frames); the width read is then rounded up to WIDTH_UNIT columns.
MARGIN, WIDTH_UNIT = 40, 16


@dataclass(frozen=True)
class StripGeometry:
    """How a strip was cut from the ink: strip x = (ink x - x0) * scale + PAD."""

    x0: int
    y0: int
    scale: float


def strip_input(ink: np.ndarray) -> tuple[np.ndarray, StripGeometry]:
    """The model's input for an ink map (white on black); raises ValueError without ink."""
    rows = np.flatnonzero(ink.max(axis=1) > INK_LEVEL)
    cols = np.flatnonzero(ink.max(axis=0) > INK_LEVEL)
    if rows.size == 0:
        raise ValueError("no ink")
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = np.ascontiguousarray(ink[y0:y1, x0:x1], dtype=np.float32)
    h, w = crop.shape
    scale = min((STRIP_H - 2 * PAD) / h, (STRIP_W - 2 * PAD) / w)
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    small = Image.fromarray(crop, mode="F").resize((nw, nh), Image.BOX if scale < 1 else Image.BILINEAR)
    out = np.zeros((STRIP_H, STRIP_W), dtype=np.float32)
    top = PAD + (STRIP_H - 2 * PAD - nh) // 2
    out[top : top + nh, PAD : PAD + nw] = np.clip(np.asarray(small, dtype=np.float32), 0.0, 1.0)
    return out, StripGeometry(x0, y0 - (top - PAD) / scale, scale)


def _card() -> dict:
    import json

    try:
        return json.loads((resource_path(MODEL_DIR) / "model_card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def default_path() -> Path:
    """The shipped string model: its int8 copy when the card says it reads as well (faster)."""
    folder = resource_path(MODEL_DIR)
    int8 = _card().get("int8") or {}
    if int8.get("use") and (folder / str(int8.get("file", ""))).is_file():
        return folder / int8["file"]
    return folder / MODEL_FILE


# The card's entries for the other opinions, in the order they are asked (see
# :func:`.string_reading.read_strip`).
OPINIONS = ("second_opinion", "third_opinion")


def opinion_paths() -> list[Path]:
    """The shipped models asked where the first is unsure, in the card's order (those in use)."""
    card, found = _card(), []
    for key in OPINIONS:
        entry = card.get(key) or {}
        path = resource_path(MODEL_DIR) / str(entry.get("file", ""))
        if entry.get("use") and path.is_file():
            found.append(path)
    return found


class StringModel:
    """The CTC string model on onnxruntime (one session, shared, thread-safe)."""

    def __init__(self, path: str | Path | None = None, threads: int = 0, others: Sequence[str | Path] = ()):
        """``others``: models to ask for their opinion where this one is unsure (:meth:`opinions`)."""
        import onnxruntime as ort

        self.path = Path(path) if path else default_path()
        self._threads = threads
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        # Models exported through training.strings.any_width take strips of any width.
        self._any_width = not isinstance(self._session.get_inputs()[0].shape[2], int)
        self._other_paths = [Path(p) for p in others]
        self._others: list[StringModel] | None = None
        self._lock = threading.Lock()

    def opinions(self) -> list[StringModel]:
        """The other models, loaded when first needed (most amounts do not need them)."""
        with self._lock:
            if self._others is None:
                self._others = [StringModel(p, self._threads) for p in self._other_paths]
        return self._others

    def frames(self, strips: np.ndarray) -> np.ndarray:
        """[N, FRAMES, 11] for strips [N, STRIP_H, STRIP_W(, 1)].

        Ink starts at the strip's left edge and a median amount fills 100 of its 256 columns;
        a model that takes any width reads only the inked columns and a margin (outputs over
        the ink stay the same: tested), and the frames beyond are certain blanks.
        """
        x = np.asarray(strips, dtype=np.float32).reshape(-1, STRIP_H, STRIP_W, 1)
        width = STRIP_W
        if self._any_width and len(x):
            inked = np.flatnonzero(x.max(axis=(0, 1, 3)) > 0)
            used = int(inked[-1]) + 1 if inked.size else 0
            width = min(STRIP_W, -(-(used + MARGIN) // WIDTH_UNIT) * WIDTH_UNIT)
        if width == STRIP_W:
            return self._session.run([OUTPUT_NAME], {INPUT_NAME: x})[0]
        read = self._session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(x[:, :, :width])})[0]
        out = np.zeros((len(x), FRAMES, read.shape[2]), dtype=read.dtype)
        out[:, :, 0] = 1.0
        out[:, : read.shape[1]] = read
        return out


@dataclass
class Decoded:
    text: str
    confidences: tuple[float, ...]     # per digit: the best frame's probability
    frames: tuple[int, ...]            # per digit: the frame where it peaks
    sequence_probability: float        # the best path's probability


def decode(frames: np.ndarray) -> Decoded:
    """Greedy CTC decoding of one [FRAMES, 11] output."""
    best = frames.argmax(axis=1)
    p = frames.max(axis=1)
    text, confs, where = [], [], []
    prev = 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            text.append(str(k - 1))
            confs.append(float(p[t]))
            where.append(t)
        elif k != 0 and k == prev and p[t] > confs[-1]:
            confs[-1] = float(p[t])
            where[-1] = t
        prev = k
    return Decoded("".join(text), tuple(confs), tuple(where), float(np.exp(np.log(np.maximum(p, 1e-9)).sum())))


def log_likelihood(frames: np.ndarray, text: str) -> float:
    """log P(text | frames) summed over every CTC alignment (the forward algorithm).

    Greedy decoding follows one path; this scores a text as a whole, so two models' outputs,
    whose frames need not line up, can be compared on the same candidates.
    """
    return float(summed_log_likelihoods([frames], [text])[0])


def summed_log_likelihoods(outputs: Sequence[np.ndarray], texts: Sequence[str]) -> np.ndarray:
    """:func:`log_likelihood` of each text (all of one length) summed over several models'
    frames: one forward pass for all of them at once, which costs about what one text under
    one model does."""
    logp = np.log(np.maximum(np.stack(outputs), 1e-12))             # [M, T, C]
    n = len(texts[0])
    labels = np.zeros((len(texts), 2 * n + 1), dtype=np.intp)       # [K, L]: blank, digit, blank...
    labels[:, 1::2] = [[int(c) + 1 for c in t] for t in texts]
    skip = np.zeros(labels.shape, dtype=bool)                        # a label may follow the one two back
    skip[:, 2:] = (labels[:, 2:] != 0) & (labels[:, 2:] != labels[:, :-2])
    emit = logp[:, :, labels]                                        # [M, T, K, L]
    alpha = np.full(emit[:, 0].shape, -np.inf)
    alpha[..., :2] = emit[:, 0, :, :2]
    for t in range(1, logp.shape[1]):
        step = alpha.copy()
        step[..., 1:] = np.logaddexp(step[..., 1:], alpha[..., :-1])
        step[..., 2:] = np.where(skip[:, 2:], np.logaddexp(step[..., 2:], alpha[..., :-2]), step[..., 2:])
        alpha = step + emit[:, t]
    end = np.logaddexp(alpha[..., -1], alpha[..., -2]) if n else alpha[..., -1]
    return end.sum(axis=0)


@lru_cache(maxsize=2)
def shared_string_model(path: str = "") -> StringModel | None:
    """The shipped string model, or None when it is not installed (segmentation reads alone)."""
    p = Path(path) if path else default_path()
    if not p.is_file():
        return None
    # One thread: a strip takes well under a millisecond, and batch workers run one process
    # per core, where a thread pool per process would only fight over the cores.
    return StringModel(p, threads=1, others=() if path else opinion_paths())
