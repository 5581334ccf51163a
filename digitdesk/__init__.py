"""digitdesk: reads handwritten digits and numbers from drawings, images and scanned documents.

The package is split in two: the recognition core (plain modules here, no Qt) and the desktop
app in ``digitdesk.gui``. TensorFlow is never imported at run time; the model runs on onnxruntime.
"""

__version__ = "0.1.0"
