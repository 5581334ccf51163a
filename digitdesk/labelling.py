"""8-connected labelling of ink and the boxes of its pieces: scipy's C code, without the wait.

Field and number reading label ink dozens of times per page with ``scipy.ndimage.label`` and
``find_objects``. Importing ``scipy.ndimage`` costs ~0.3 s (its array-API layer pulls in
``numpy.f2py``, ``scipy.special`` and more), paid by every batch worker's start and by the first
field a window reads. The two C routines those functions wrap load in milliseconds on their own,
so this module loads just them. Should a scipy release move them, the public functions are used
instead: the same answers, only the start is slower.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

EIGHT = np.ones((3, 3), dtype=bool)


def _load_extension(name: str):
    """scipy.ndimage's compiled module ``name``, loaded without running the package's __init__."""
    import scipy

    folder = Path(scipy.__file__).parent / "ndimage"
    for path in sorted(folder.glob(f"{name}.*")):
        if path.suffix in (".so", ".pyd"):
            spec = importlib.util.spec_from_file_location(f"scipy.ndimage.{name}", path)
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise ImportError(f"scipy.ndimage.{name} not found")


try:
    _ni_label = _load_extension("_ni_label")
    _nd_image = _load_extension("_nd_image")
    _C_LABEL, _C_FIND = _ni_label._label, _nd_image.find_objects
except Exception:  # noqa: BLE001 - any change in scipy's layout: the public way
    _C_LABEL = _C_FIND = None


def label8(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """``scipy.ndimage.label(mask, structure=np.ones((3, 3)))``: int32 labels and their count."""
    mask = np.asarray(mask)
    if _C_LABEL is None or mask.ndim != 2 or mask.size == 0:
        from scipy import ndimage

        return ndimage.label(mask, structure=EIGHT)
    out = np.empty(mask.shape, dtype=np.int32)
    count = _C_LABEL(mask, EIGHT, out)
    return out, int(count)


def boxes(labels: np.ndarray, count: int = 0) -> list:
    """``scipy.ndimage.find_objects(labels, count)``: a (rows, columns) slice pair per label."""
    if _C_FIND is None:
        from scipy import ndimage

        return ndimage.find_objects(labels, count)
    if count < 1:
        count = int(labels.max()) if labels.size else 0
    return _C_FIND(labels, count)


__all__ = ["EIGHT", "boxes", "label8"]
