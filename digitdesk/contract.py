"""The model contract, written once: training exports to it and the runtime checks against it.

Input ``image``: float32 [N, 28, 28, 1], values in [0, 1], white ink on black, normalised like
MNIST (ink cropped, fitted into a 20x20 box keeping its aspect ratio, centre of mass moved to the
centre of the 28x28 field). Output ``probabilities``: float32 [N, 10], softmax over digits 0-9.
"""

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
SIDE = 28          # model input is SIDE x SIDE
BOX = 20           # ink is fitted into BOX x BOX inside it
NUM_CLASSES = 10
MODEL_FILE = "digits.onnx"            # the exported float model (Keras parity is checked on it)
RUNTIME_MODEL_FILE = "digits_int8.onnx"  # its int8 copy the app runs when present: same readings, ~2.5x faster
STAGE_FILE = "digits_pass{k}.onnx"     # the cascade's cheap first passes, k = 1, 2... (card: "cascade")
MODEL_CARD_FILE = "model_card.json"
