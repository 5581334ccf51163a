"""Let an exported string model read strips of any width: ``python -m training.strings.any_width F.onnx...``.

The model is convolutional along the strip, but Keras exports it for 256 columns: the input's
width and two reshapes (the input to channels-first, the feature map to frames) are fixed.
Written amounts fill a median 100 of the 256 columns, so the runtime
(:meth:`digitdesk.numbers.string_model.StringModel.frames`) feeds only the columns with ink and
a margin, a third less work per strip. This rewrites those three places to follow the input:
on a full-width strip the output is bit for bit the same (tested).
"""

from __future__ import annotations

import argparse

import numpy as np


def any_width(model):
    """The same ONNX model (``onnx.ModelProto``, changed in place) with its strip width free."""
    from onnx import numpy_helper

    from digitdesk.numbers.string_model import FRAMES, STRIP_H, STRIP_W

    model.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "width"
    for out in model.graph.output:
        out.type.tensor_type.shape.dim[1].dim_param = "frames"
    changed = 0
    for init in model.graph.initializer:
        shape = numpy_helper.to_array(init)
        if shape.dtype != np.int64 or shape.ndim != 1:
            continue
        if shape.tolist() == [-1, 1, STRIP_H, STRIP_W]:          # NHWC strip -> NCHW
            new = [0, 1, STRIP_H, -1]
        elif len(shape) == 3 and shape[0] == -1 and shape[1] == FRAMES:  # feature map -> frames
            new = [0, -1, int(shape[2])]
        else:
            continue
        init.CopyFrom(numpy_helper.from_array(np.array(new, dtype=np.int64), init.name))
        changed += 1
    if changed != 2:
        raise ValueError(f"expected the strip's and the frames' reshapes, found {changed} to change")
    del model.graph.value_info[:]     # shapes inferred for 256 columns no longer hold
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", help="ONNX string models, rewritten in place")
    args = parser.parse_args(argv)
    import onnx

    for path in args.files:
        model = any_width(onnx.load(path))
        onnx.checker.check_model(model)
        onnx.save(model, path)
        print(f"{path}: any width")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
