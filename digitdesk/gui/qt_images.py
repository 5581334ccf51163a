"""Conversions between Qt pictures and the core's grey numpy arrays.

A QImage coming from the clipboard goes through Pillow and :func:`digitdesk.loading.image_to_gray`
so that pasted pictures (transparency included) become grey exactly as files do.
QImages made here own their pixels (``.copy()``), so they may be built in worker threads and
handed to the UI thread safely.
"""

from __future__ import annotations

from PySide6.QtGui import QImage


def gray_to_qimage(gray: "np.ndarray", invert: bool = False) -> QImage:
    """A float [0, 1] (or uint8) 2-D array as an 8-bit grey QImage."""
    import numpy as np

    a = np.asarray(gray)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if invert:
        a = 255 - a
    a = np.ascontiguousarray(a)
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def qimage_to_gray(image: QImage) -> "np.ndarray":
    """Any QImage as the core's grey float32 array, through the same path as image files."""
    import numpy as np

    from PIL import Image

    from ..loading import image_to_gray

    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = rgba.width(), rgba.height()
    if w == 0 or h == 0:
        raise ValueError("the picture is empty")
    buf = np.frombuffer(rgba.constBits(), dtype=np.uint8, count=rgba.sizeInBytes())
    arr = buf.reshape(h, rgba.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()
    return image_to_gray(Image.fromarray(arr, mode="RGBA"))


def qimage_to_array(image: QImage) -> "np.ndarray":
    """An 8-bit grey QImage's pixels as a uint8 (h, w) array (a copy)."""
    import numpy as np

    g = image.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h = g.width(), g.height()
    buf = np.frombuffer(g.constBits(), dtype=np.uint8, count=g.sizeInBytes())
    return buf.reshape(h, g.bytesPerLine())[:, :w].copy()


def model_inputs_strip(inputs, scale: int = 2, gap: int = 2) -> QImage:
    """The 28x28 images the model saw, side by side, as one grey QImage (white ink on black)."""
    import numpy as np

    if not inputs:
        return QImage()
    tiles = [np.kron(np.asarray(i, dtype=np.float32), np.ones((scale, scale), np.float32)) for i in inputs]
    h = tiles[0].shape[0]
    parts = []
    for k, t in enumerate(tiles):
        if k:
            parts.append(np.full((h, gap), 0.35, np.float32))
        parts.append(t)
    return gray_to_qimage(np.concatenate(parts, axis=1))


def thumbnail_from_gray(gray: "np.ndarray", max_w: int, max_h: int) -> QImage:
    """A small picture of a page or field, scaled down in the worker thread."""
    import numpy as np

    from PIL import Image

    a = np.asarray(gray)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    img = Image.fromarray(a, mode="L")
    img.thumbnail((max_w, max_h), Image.BILINEAR)
    return gray_to_qimage(np.asarray(img))
