"""The model card (JSON the app's About box shows) and the confusion-matrix picture."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform(), "python": platform.python_version()}


def versions() -> dict:
    import keras
    import onnx
    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}


def write_card(card: dict, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return path


def draw_confusion(cm: np.ndarray, path: str | Path, title: str) -> Path:
    """Rows true digit, columns predicted; off-diagonal errors in red so they stand out."""
    cm = np.asarray(cm)
    n = cm.shape[0]
    cell, left, top = 52, 70, 80
    w, h = left + n * cell + 20, top + n * cell + 50
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=14)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    d.text((left, 12), title, fill="black", font=font)
    d.text((left, 34), "predicted digit", fill="black", font=font)
    d.text((6, top + n * cell // 2 - 20), "true\ndigit", fill="black", font=font)
    row_sum = np.maximum(cm.sum(axis=1, keepdims=True), 1)
    off_max = max(1, int((cm * (1 - np.eye(n, dtype=cm.dtype))).max()))
    for i in range(n):
        d.text((left + i * cell + cell // 2 - 4, top - 22), str(i), fill="black", font=font)
        d.text((left - 20, top + i * cell + cell // 2 - 8), str(i), fill="black", font=font)
        for j in range(n):
            v = int(cm[i, j])
            if i == j:
                shade = int(255 - 150 * v / row_sum[i, 0])
                color = (shade, shade, 255)
            elif v:
                shade = int(230 - 180 * v / off_max)
                color = (255, shade, shade)
            else:
                color = (250, 250, 250)
            x0, y0 = left + j * cell, top + i * cell
            d.rectangle([x0, y0, x0 + cell - 1, y0 + cell - 1], fill=color, outline=(200, 200, 200))
            if v:
                text = str(v)
                tw = d.textlength(text, font=font)
                d.text((x0 + (cell - tw) / 2, y0 + cell // 2 - 8), text, fill="black", font=font)
    acc = np.trace(cm) / max(1, cm.sum())
    d.text((left, top + n * cell + 14), f"{int(cm.sum())} images, accuracy {acc:.2%}", fill="black", font=font)
    path = Path(path)
    img.save(path)
    return path
