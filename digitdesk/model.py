"""The shipped digit model on onnxruntime: one session, created once, warmed up, shared.

onnxruntime's ``InferenceSession.run`` is thread-safe, so the GUI's workers and the batch
pipeline all call the same :class:`DigitModel`.

When the model card has a ``cascade`` section, much cheaper first-pass models read the digits
first, each passing on only those it is unsure of (below its threshold in the card, chosen on
validation data so that what it accepts is read no worse than by the full model); the full model
reads what is left. Every entry point goes through :meth:`DigitModel.predict`, so all of them
read alike; only number segmentation asks for the full model alone, for its cut hypotheses
(``training/cascade.py`` builds the cascade).
"""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from .contract import (
    INPUT_NAME, MODEL_CARD_FILE, MODEL_FILE, NUM_CLASSES, OUTPUT_NAME, RUNTIME_MODEL_FILE, SIDE,
)
from .resources_path import resource_path

# Used only when the model card does not carry a threshold chosen on validation data.
FALLBACK_REVIEW_THRESHOLD = 0.90


class ModelError(RuntimeError):
    """The model file is missing, unreadable or does not honour the contract."""


def default_model_path() -> Path:
    """The shipped model (its int8 copy when shipped), unless ``DIGITDESK_MODEL`` names another."""
    override = os.environ.get("DIGITDESK_MODEL")
    if override:
        return Path(override)
    runtime = resource_path("model", RUNTIME_MODEL_FILE)
    return runtime if runtime.is_file() else resource_path("model", MODEL_FILE)


def card_checksum(card: dict, model_file: str = "") -> str:
    """The SHA-256 the model card records for ``model_file`` (default: the float model)."""
    parts = [card.get("int8") or {}, *((card.get("cascade") or {}).get("stages") or [])]
    for part in parts:
        if model_file and model_file == part.get("file"):
            return str(part.get("sha256") or "")
    return str(card.get("sha256") or (card.get("onnx") or {}).get("sha256") or "")


class DigitModel:
    """Runs the digit CNN: float32 [N, 28, 28] (or [N, 28, 28, 1]) in, probabilities [N, 10] out."""

    BATCH = 256

    def __init__(self, path: str | Path | None = None, threads: int = 0, cascade: bool = True):
        self.path = Path(path) if path else default_model_path()
        self._session = _open_session(self.path, threads)
        self.card = load_card(self.path.parent)
        self.review_threshold = float(
            self.card.get("review_threshold", FALLBACK_REVIEW_THRESHOLD)
        )
        # The first passes, when the card vouches for them and every one is next to the model.
        stages = (self.card.get("cascade") or {}).get("stages") or []
        paths = [self.path.parent / str(stage.get("file", "")) for stage in stages]
        self._stages = []
        self.stage_files: list[str] = []  # the first passes in use, cheapest first
        if cascade and stages and all(p.is_file() for p in paths):
            self.stage_files = [p.name for p in paths]
            self._stages = [(_open_session(p, threads), float(stage["threshold"])) for p, stage in zip(paths, stages)]
        self.predict(np.zeros((1, SIDE, SIDE), dtype=np.float32))  # warm-up

    @property
    def cascade(self) -> bool:
        """Whether first-pass models read the easy digits (see the module docstring)."""
        return bool(self._stages)

    def predict(self, images: np.ndarray, full: bool = False) -> np.ndarray:
        """Probabilities [N, 10] for preprocessed images (see :mod:`digitdesk.preprocess`).

        ``full=True`` skips the cascade: for inputs unlike the digits its thresholds were
        validated on, such as the cut hypotheses of number segmentation (half digits, two digits
        run together), where a cheap first pass may be sure and wrong.
        """
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        x = x.reshape(len(x), SIDE, SIDE, 1)
        if len(x) == 0:
            return np.zeros((0, NUM_CLASSES), dtype=np.float32)
        stages = [] if full else self._stages
        parts = [run_cascade(stages, self._session, x[i : i + self.BATCH]) for i in range(0, len(x), self.BATCH)]
        return np.concatenate(parts) if len(parts) > 1 else parts[0]



def run_cascade(stages, full, x: np.ndarray) -> np.ndarray:
    """Probabilities for ``x`` [N,28,28,1]: each (session, threshold) stage in turn answers the rows
    it is sure of (max probability >= threshold) among those left; ``full`` answers the rest."""
    probs, unsure = None, None  # unsure: rows no stage has been sure of yet (None: all)
    for session, threshold in stages:
        p = session.run([OUTPUT_NAME], {INPUT_NAME: x if unsure is None else x[unsure]})[0]
        if unsure is None:
            probs, unsure = p, np.flatnonzero(p.max(axis=1) < threshold)
        else:
            probs[unsure] = p
            unsure = unsure[p.max(axis=1) < threshold]
        if not len(unsure):
            return probs
    if unsure is None:
        return full.run([OUTPUT_NAME], {INPUT_NAME: x})[0]
    probs[unsure] = full.run([OUTPUT_NAME], {INPUT_NAME: x[unsure]})[0]
    return probs


def _open_session(path: Path, threads: int):
    """An onnxruntime session for ``path`` that honours the model contract, or ModelError."""
    import onnxruntime as ort  # deferred: importing it costs ~0.2 s of start-up

    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(f"cannot load the model {path.name}: {exc}") from None
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name: o for o in session.get_outputs()}
    if INPUT_NAME not in inputs or OUTPUT_NAME not in outputs:
        raise ModelError(
            f"model {path.name} must have input '{INPUT_NAME}' and output '{OUTPUT_NAME}', "
            f"has {sorted(inputs)} -> {sorted(outputs)}"
        )
    shape = inputs[INPUT_NAME].shape
    if len(shape) != 4 or list(shape[1:]) != [SIDE, SIDE, 1]:
        raise ModelError(f"model input must be [N,{SIDE},{SIDE},1], is {shape}")
    return session


def load_card(folder: str | Path) -> dict:
    """The model card next to the model, or an empty dict if there is none or it is unreadable."""
    try:
        return json.loads((Path(folder) / MODEL_CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _cached(path: str) -> DigitModel:
    return DigitModel(path or None, threads=1)


def shared_model(path: str | Path | None = None) -> DigitModel:
    """The process-wide model for ``path`` (default: the shipped one), loaded on first use.

    Its sessions run on one thread. Its inputs are a drawing's few digits or a chunk of a
    small batch; onnxruntime's own thread pool gains nothing on those, and its spinning
    threads took the CPU from the reading around them (a batch read in this process on 2
    cores: ~65 us per file on one thread, ~340 with the pool).
    """
    with _lock:
        return _cached(str(path) if path else "")
