"""Training subproject: the Keras CNN behind digitdesk, its data, augmentation and ONNX export.

Installed through the ``[train]`` extra. The app (``digitdesk/``) never imports this package;
this package imports ``digitdesk.preprocess`` so that training sees exactly what the app sees.
Modules that worker processes import (``data``, ``augment``, ``feed``) stay free of TensorFlow.
"""
