"""Int8 copy of the exported model: the same readings at a fraction of the CPU per image.

Static QDQ quantisation (per-channel int8 weights, uint8 activations) calibrated on training
digits passed through the app's own preprocessing; then both models are measured on the MNIST
test set and USPS, and for speed on one thread. The int8 file is written next to the float one
next to the float one with an ``int8`` section in the model card; the app runs it only where
the card says it reads as well as the float model (``training.train`` does all this at the end).

    python -m training.quantize --data ../shared/data/mnist.npz --model resources/model/digits.onnx
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from digitdesk.contract import INPUT_NAME, MODEL_CARD_FILE, RUNTIME_MODEL_FILE
from digitdesk.preprocess import digit_inputs_with_boxes


def _inputs(images: np.ndarray) -> np.ndarray:
    made = digit_inputs_with_boxes(list(images))
    blank = np.zeros((28, 28), np.float32)
    return np.stack([m[0] if isinstance(m, tuple) else blank for m in made])[..., None]


def quantize(model: Path, out: Path, calibration: np.ndarray) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{INPUT_NAME: calibration[i : i + 128]} for i in range(0, len(calibration), 128)])

        def get_next(self):
            return next(self.batches, None)

    out.parent.mkdir(parents=True, exist_ok=True)
    prepared = out.with_suffix(".pre.onnx")
    quant_pre_process(str(model), str(prepared))
    import onnx

    # The softmax stays in float: quantised probabilities would come in steps of 1/255.
    softmax = [n.name for n in onnx.load(str(prepared)).graph.node if n.op_type == "Softmax"]
    try:
        quantize_static(str(prepared), str(out), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=False, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=softmax)
    finally:
        prepared.unlink(missing_ok=True)


def measure(path: Path, sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    figures = {}
    for name, (x, y) in sets.items():
        p = np.concatenate([session.run(None, {INPUT_NAME: x[i : i + 512]})[0] for i in range(0, len(x), 512)])
        figures[name] = float(np.mean(p.argmax(1) == y))
        figures[f"{name}_argmax"] = p.argmax(1)
    x = next(iter(sets.values()))[0][:256]
    session.run(None, {INPUT_NAME: x})
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3.0:
        session.run(None, {INPUT_NAME: x})
        runs += 1
    figures["images_per_s_1_thread"] = runs * len(x) / (time.perf_counter() - start)
    return figures


def int8_section(model: Path, calibration: np.ndarray, sets: dict[str, tuple[np.ndarray, np.ndarray]],
                 out: Path | None = None) -> dict:
    """Quantise ``model`` to ``out`` (default: the runtime file beside it) and describe it for the card.

    ``calibration`` and ``sets`` are model inputs [N,28,28,1] already passed through the app's
    preprocessing; ``sets`` maps a name (``mnist_test``, ``usps``...) to inputs and labels.
    If the int8 copy reads worse than the float model on any set, the file is removed again.
    """
    out = out or model.parent / RUNTIME_MODEL_FILE
    quantize(model, out, calibration)
    ref, q = measure(model, sets), measure(out, sets)
    section = {
        "file": out.name,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "bytes": out.stat().st_size,
        "method": "onnxruntime static QDQ, per-tensor, int8 weights / uint8 activations",
        "calibration_images": int(len(calibration)),
        "images_per_s_1_thread": {"float": round(ref["images_per_s_1_thread"]),
                                  "int8": round(q["images_per_s_1_thread"])},
    }
    shipped = True
    for name in sets:
        agreement = float(np.mean(ref[f"{name}_argmax"] == q[f"{name}_argmax"]))
        section[name] = {"float_accuracy": ref[name], "int8_accuracy": q[name], "argmax_agreement": agreement}
        shipped &= q[name] >= ref[name] - 0.0005
    section["shipped"] = bool(shipped)
    if not shipped:
        out.unlink(missing_ok=True)
    return section


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/mnist.npz")
    ap.add_argument("--usps", default="../shared/data/usps_train.npz")
    ap.add_argument("--model", default="resources/model/digits.onnx")
    ap.add_argument("--calibration", type=int, default=2000)
    args = ap.parse_args()

    model = Path(args.model)
    with np.load(args.data) as d:
        calib = _inputs(d["x_train"][: args.calibration])
        sets = {"mnist_test": (_inputs(d["x_test"]), d["y_test"])}
    if Path(args.usps).is_file():
        with np.load(args.usps) as u:
            sets["usps"] = (_inputs(u["x"]), u["y"])
    section = int8_section(model, calib, sets)
    card_path = model.parent / MODEL_CARD_FILE
    if card_path.is_file():
        card = json.loads(card_path.read_text(encoding="utf-8"))
        card["int8"] = section
        card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(section, indent=2))


if __name__ == "__main__":
    main()
