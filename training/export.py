"""Export to the model contract in ONNX and prove the export computes what Keras computes.

``tf2onnx.convert.from_keras`` fails on Keras 3 models, so the inference function is traced
with ``tf.function`` and converted with ``tf2onnx.convert.from_function``; the graph's input
and output are then renamed to the contract's names with the onnx package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitdesk.contract import INPUT_NAME, NUM_CLASSES, OUTPUT_NAME, SIDE

OPSET = 17


def _rename(model_proto, old: str, new: str) -> None:
    if old == new:
        return
    graph = model_proto.graph
    for node in graph.node:
        node.input[:] = [new if n == old else n for n in node.input]
        node.output[:] = [new if n == old else n for n in node.output]
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.name == old:
            value.name = new


def export_onnx(model, path: str | Path, opset: int = OPSET) -> Path:
    """Write ``model`` as ONNX: input ``image`` float32 [N,28,28,1], output ``probabilities``."""
    import onnx
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec([None, SIDE, SIDE, 1], tf.float32, name=INPUT_NAME),)

    @tf.function(input_signature=spec)
    def infer(image):
        return model(image, training=False)

    proto, _ = tf2onnx.convert.from_function(infer, input_signature=spec, opset=opset)
    if len(proto.graph.input) != 1 or len(proto.graph.output) != 1:
        raise RuntimeError("exported graph must have exactly one input and one output")
    _rename(proto, proto.graph.input[0].name, INPUT_NAME)
    _rename(proto, proto.graph.output[0].name, OUTPUT_NAME)
    # Name the batch dimension so readers of the graph see [N, 28, 28, 1] and [N, 10].
    for value, tail in ((proto.graph.input[0], (SIDE, SIDE, 1)), (proto.graph.output[0], (NUM_CLASSES,))):
        dims = value.type.tensor_type.shape.dim
        dims[0].dim_param = "N"
        for d, size in zip(dims[1:], tail):
            d.dim_value = size
    proto.producer_name = "digitdesk-training"
    proto.doc_string = "digitdesk digit classifier; see model_card.json"
    onnx.checker.check_model(proto)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(path))
    return path


def onnx_predict(path: str | Path, x: np.ndarray, batch: int = 1024) -> np.ndarray:
    """Softmax outputs of the ONNX file under onnxruntime, as the app will run it."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.asarray(x, dtype=np.float32).reshape(-1, SIDE, SIDE, 1)
    return np.concatenate([sess.run([OUTPUT_NAME], {INPUT_NAME: x[i : i + batch]})[0]
                           for i in range(0, len(x), batch)]) if len(x) else np.zeros((0, NUM_CLASSES), np.float32)


def parity(model, path: str | Path, x: np.ndarray) -> dict:
    """Keras vs onnxruntime on the same inputs: max abs difference and argmax agreement."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, SIDE, SIDE, 1)
    k = model.predict(x, batch_size=512, verbose=0)
    o = onnx_predict(path, x)
    return {
        "images": int(len(x)),
        "max_abs_diff": float(np.max(np.abs(k - o))),
        "argmax_identical": bool(np.array_equal(k.argmax(1), o.argmax(1))),
    }


def opset_of(path: str | Path) -> int:
    import onnx

    m = onnx.load(str(path))
    return int(next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")))
