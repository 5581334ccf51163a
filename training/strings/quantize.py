"""Int8 copy of the string model, if it reads as well: ``python -m training.strings.quantize``.

Static QDQ quantisation (per-channel int8 weights, uint8 activations) calibrated on strips made
by :mod:`.data`; then both models read the same validation strips and are timed on one thread.
The int8 file is written as ``strings_int8.onnx`` beside the float one; the runtime uses it only
when the model card's ``int8`` section says it matched the float model's exact-string accuracy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np


def _accuracy(path: Path, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    import onnxruntime as ort

    from digitdesk.numbers.string_model import decode

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    s = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    frames = np.concatenate([s.run(["frames"], {"strip": x[i : i + 256]})[0] for i in range(0, len(x), 256)])
    right = sum(decode(f).text == "".join(str(v - 1) for v in t if v) for f, t in zip(frames, y))
    t0 = time.perf_counter()
    for i in range(200):
        s.run(["frames"], {"strip": x[i % len(x)][None]})
    return right / len(x), (time.perf_counter() - t0) / 200 * 1e3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="resources/model_strings/strings.onnx")
    parser.add_argument("--data", required=True, help="npz with vx, vy (validation strips) and x (calibration)")
    args = parser.parse_args(argv)
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    d = np.load(args.data)
    calib = (d["x"][:1024].astype(np.float32) / 255.0)[..., None]
    vx = (d["vx"].astype(np.float32) / 255.0)[..., None]
    vy = d["vy"]
    model = Path(args.model)
    out = model.with_name("strings_int8.onnx")
    pre = model.with_name("strings_pre.onnx")
    quant_pre_process(str(model), str(pre))

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"strip": calib[i : i + 64]} for i in range(0, len(calib), 64)])

        def get_next(self):
            return next(self.batches, None)

    quantize_static(str(pre), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    pre.unlink()
    float_acc, float_ms = _accuracy(model, vx, vy)
    int8_acc, int8_ms = _accuracy(out, vx, vy)
    card_path = model.with_name("model_card.json")
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    card["int8"] = {
        "file": out.name,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "validation_exact_string_accuracy": round(int8_acc, 4),
        "float_validation_exact_string_accuracy": round(float_acc, 4),
        "ms_per_strip_one_thread": {"float": round(float_ms, 3), "int8": round(int8_ms, 3)},
        "use": bool(int8_acc >= float_acc - 0.002),
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card["int8"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
