"""Imported only by the batch workers' fork server (:mod:`digitdesk.process_start`): what each
forked worker would otherwise do first, done once before forking, so that every worker starts warm.

* BLAS runs on one thread (unless ``OPENBLAS_NUM_THREADS`` says otherwise), set before numpy
  loads: there is one worker per core, and OpenBLAS's thread pool took ~50 ms to start.
* The reading code, Pillow with all its format plugins (it loads them on the first file that is
  not a PNG, JPEG, GIF or BMP, e.g. a TIFF: ~30 ms), and the shipped digit model's sessions.
  They run on one thread, so onnxruntime starts no thread pool for them (its import leaves one
  idle thread, as before; a fork copies only the forking thread) and the workers inherit them
  whole. Workers end with ``os._exit``: the inherited sessions are never torn down there.

Nothing here may raise (an exception would stop the server): what fails is left to each worker.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402
from typing import Optional  # noqa: E402

import onnxruntime  # noqa: E402,F401

from . import batch, page_reading  # noqa: E402,F401  (what every worker runs)
from .model import DigitModel, default_model_path  # noqa: E402

digit_model: Optional[DigitModel] = None


def model_for(path: Optional[str]) -> Optional[DigitModel]:
    """The preloaded digit model when ``path`` (None: the shipped one) is the file it was loaded from."""
    if digit_model is None or (Path(path) if path else default_model_path()) != digit_model.path:
        return None
    return digit_model


def _preload() -> None:
    global digit_model
    try:
        from PIL import Image

        Image.init()
    except Exception:
        pass
    try:
        digit_model = DigitModel(None, threads=1)
    except Exception:
        digit_model = None


_preload()
