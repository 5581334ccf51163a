"""Which file names a folder walk picks up: kept apart from the loader, so that walking a folder
(the batch's parent process does it) imports neither Pillow nor numpy."""

from __future__ import annotations

import os

# Extensions picked up when a folder is scanned (files named on the command line are always tried).
IMAGE_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .jpe .jfif .tif .tiff .bmp .dib .gif .webp .pbm .pgm .ppm .pnm".split()
)


def has_image_extension(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS
