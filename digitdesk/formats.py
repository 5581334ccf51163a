"""Which file names a folder walk picks up: kept apart from the loader, so that walking a folder
(the batch's parent process does it) imports neither Pillow nor numpy."""

from __future__ import annotations

# Extensions picked up when a folder is scanned (files named on the command line are always tried).
IMAGE_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .jpe .jfif .tif .tiff .bmp .dib .gif .webp .pbm .pgm .ppm .pnm".split()
)


def has_image_extension(name: str) -> bool:
    """Whether ``name`` (a file name, no folder) ends in an image extension, as os.path.splitext
    sees it (dots leading the name start no extension) but without its cost per call."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_EXTENSIONS and name[:dot].lstrip(".") != ""
