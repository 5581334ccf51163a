"""The CNN: three conv stages with BatchNorm and dropout, sized for 2 CPU cores.

Channels 24-48-96 (width ``w``): ~5x the conv capacity of the seed notebooks' two-layer nets,
well under a megabyte in ONNX, and an epoch of 55k digits in about a minute on 2 cores.
"""

from __future__ import annotations

import keras
from keras import layers

from digitdesk.contract import NUM_CLASSES, SIDE


def _conv(x, filters: int, padding: str = "same", strides: int = 1):
    x = layers.Conv2D(filters, 3, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_model(width: int = 24, dropout: float = 0.3) -> keras.Model:
    inputs = keras.Input((SIDE, SIDE, 1), name="image")
    x = _conv(inputs, width)
    x = _conv(x, width)
    x = layers.MaxPooling2D()(x)                # 14x14
    x = layers.Dropout(0.1)(x)
    x = _conv(x, 2 * width)
    x = _conv(x, 2 * width)
    x = layers.MaxPooling2D()(x)                # 7x7
    x = layers.Dropout(0.1)(x)
    x = _conv(x, 4 * width, padding="valid")    # 5x5
    x = layers.Flatten()(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digitdesk_cnn")


def build_fast_model(width: int = 12) -> keras.Model:
    """The first pass of the runtime cascade: ~30x fewer multiply-adds than :func:`build_model`.

    It reads the easy majority of digits on its own; whatever it is unsure of goes on to the
    full model (see ``training/cascade.py`` and ``digitdesk.model``).
    """
    return _small_cnn(width, strided=False, name="digitdesk_fast_cnn")


def build_lite_model(width: int = 12) -> keras.Model:
    """Like :func:`build_fast_model` with strided convolutions instead of pooling: half the
    multiply-adds, and no pooling or layout reorders for onnxruntime to spend time on."""
    return _small_cnn(width, strided=True, name="digitdesk_lite_cnn")


def _small_cnn(width: int, strided: bool, name: str) -> keras.Model:
    inputs = keras.Input((SIDE, SIDE, 1), name="image")
    x = inputs
    for filters in (width, 2 * width):          # 28 -> 14 -> 7
        if strided:
            x = _conv(x, filters, strides=2)
        else:
            x = layers.MaxPooling2D()(_conv(x, filters))
    x = _conv(x, 4 * width, padding="valid")    # 5x5
    x = layers.Flatten()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def build_mlp2_model(width: int = 256) -> keras.Model:
    """A two-hidden-layer MLP (width, then width/2): a surer first pass than one layer."""
    return _mlp((width, width // 2), "digitdesk_mlp2")


def build_mlp_model(width: int = 128) -> keras.Model:
    """An even cheaper first pass: one hidden layer, a single matrix product per batch."""
    return _mlp((width,), "digitdesk_mlp")


def _mlp(hidden: tuple[int, ...], name: str) -> keras.Model:
    inputs = keras.Input((SIDE, SIDE, 1), name="image")
    x = layers.Flatten()(inputs)
    for units in hidden:
        x = layers.Dropout(0.2)(layers.ReLU()(layers.Dense(units)(x)))
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def compile_model(model: keras.Model, steps_per_epoch: int, epochs: int,
                  peak_lr: float = 2e-3, label_smoothing: float = 0.05) -> None:
    """AdamW under a one-epoch linear warm-up then cosine decay to ~zero over the whole run."""
    total = max(1, steps_per_epoch * epochs)
    warmup = min(steps_per_epoch, total // 4)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_lr / 10, decay_steps=max(1, total - warmup), alpha=0.002,
        warmup_target=peak_lr, warmup_steps=warmup,
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=5e-4),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
