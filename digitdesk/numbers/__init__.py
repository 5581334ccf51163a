"""Reading handwritten numbers (cheque amounts): segmentation with recognition-scored cuts.

:func:`read_number` reads a region as a digit string; :func:`read_auto` decides between one digit
and a number from what it sees. Both return :class:`digitdesk.recognize.Reading` and raise
:class:`digitdesk.preprocess.NoInkError` when there is nothing to read.
"""

from .reading import prepare, read_auto, read_number, segment

__all__ = ["prepare", "read_auto", "read_number", "segment"]
