"""A small CNN reading a 32x256 strip into 64 frames of digit/blank scores (CTC).

Convolutions only (no recurrent layers): cheap on 2 CPU cores and exported to ONNX without
surprises. Four columns of the strip per frame; a written digit spans 4 to 6 frames.
"""

from __future__ import annotations

import keras
from keras import layers

from digitdesk.numbers.string_model import FRAMES, STRIP_H, STRIP_W

CLASSES = 11  # 0 = blank, d + 1 = digit d


def _conv(x, filters: int):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build(width: int = 16, deep: bool = False) -> keras.Model:
    """The training model: strip in, per-frame logits out.

    ``deep``: two convolutions at every resolution (16-16, 32-32, 64-64, then 64), as the digit
    CNN's trunk has, instead of one (16, 32, 48-48, 64): twice the work, and it reads a digit
    among its neighbours as well as three one-conv models voting (see the model card).
    """
    inputs = keras.Input((STRIP_H, STRIP_W, 1), name="strip")
    x = _conv(inputs, width)
    if deep:
        x = _conv(x, width)
    x = layers.MaxPooling2D((2, 2))(x)                 # 16 x 128
    x = _conv(x, 2 * width)
    if deep:
        x = _conv(x, 2 * width)
    x = layers.MaxPooling2D((2, 2))(x)                 # 8 x 64
    third = 4 * width if deep else 3 * width
    x = _conv(x, third)
    x = _conv(x, third)
    x = layers.MaxPooling2D((2, 1))(x)                 # 4 x 64
    x = _conv(x, 4 * width)
    x = layers.Permute((2, 1, 3))(x)                   # 64 x 4 x C: frames first
    x = layers.Reshape((FRAMES, 4 * 4 * width))(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Conv1D(128, 5, padding="same", activation="relu")(x)
    x = layers.Conv1D(128, 5, padding="same", activation="relu")(x)
    logits = layers.Dense(CLASSES, name="logits")(x)
    return keras.Model(inputs, logits)


def for_export(trained: keras.Model) -> keras.Model:
    """The runtime model: the same layers with a softmax, output named ``frames``."""
    probs = layers.Softmax(name="frames")(trained.output)
    return keras.Model(trained.input, probs)
