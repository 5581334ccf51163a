"""8-bit grey PNGs, the commonest file in a digit batch, decoded without Pillow's Python layer.

For a small PNG, ``Image.open`` + ``load`` spends most of its ~45 µs in Python: plugin lookup,
chunk parsing, tile bookkeeping. The pixels themselves take Pillow's C zip decoder a couple of
microseconds. :func:`read_gray8` walks the chunks itself (checking every CRC) and hands the
image data to that same C decoder, so the pixels are Pillow's, bit for bit, at about half the
cost. Anything it does not fully understand — another colour type or bit depth, interlacing,
transparency, animation, a palette, an unknown critical chunk, a CRC mismatch, truncated or
surplus data — returns None, and the caller goes the ordinary way, which also gives the error
messages.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHUNK = struct.Struct(">I4s")
_IHDR = struct.Struct(">IIBBBBB")
# Ancillary chunks that change how the pixels should be read: leave those files to Pillow.
_REFUSED = frozenset({b"tRNS", b"acTL", b"fcTL", b"fdAT"})


def read_gray8(data: bytes, max_pixels: int) -> np.ndarray | None:
    """The pixels of an 8-bit grey, non-interlaced PNG as uint8 [h, w], or None (see above)."""
    if not data.startswith(SIGNATURE):
        return None
    pos, end_of_data = 8, len(data)
    size, parts = None, []
    while True:
        if pos + 12 > end_of_data:
            return None  # no IEND
        length, kind = _CHUNK.unpack_from(data, pos)
        end = pos + 8 + length
        if end + 4 > end_of_data or zlib.crc32(data[pos + 4 : end]) != int.from_bytes(data[end : end + 4], "big"):
            return None
        if kind == b"IHDR":
            width, height, depth, colour, compression, filtering, interlace = _IHDR.unpack_from(data, pos + 8)
            if (depth, colour, compression, filtering, interlace) != (8, 0, 0, 0, 0) or length != 13:
                return None
            if not 0 < width * height <= max_pixels or size is not None:
                return None
            size = (width, height)
        elif kind == b"IDAT":
            parts.append(data[pos + 8 : end])
        elif kind == b"IEND":
            break
        elif kind in _REFUSED or not kind[0] & 0x20:  # critical chunks other than those above
            return None
        pos = end + 4
    if size is None or not parts:
        return None
    try:
        return _decode(b"".join(parts), size)
    except Exception:  # noqa: BLE001 - Pillow's codec access changed, or hostile data: Pillow's way
        return None


def _decode(data: bytes, size: tuple[int, int]) -> np.ndarray | None:
    """Inflate and unfilter with Pillow's C zip decoder; the pixels out through its raw encoder."""
    image = Image.core.new("L", size)
    decoder = Image._getdecoder("L", "zip", "L")
    try:
        decoder.setimage(image, (0, 0, *size))
        consumed, status = decoder.decode(data)
    finally:
        decoder.cleanup()
    if consumed != -1 or status < 0:  # -1: the image is complete
        return None
    encoder = Image._getencoder("L", "raw", "L")
    chunks, status = [], 0
    try:
        encoder.setimage(image, (0, 0, *size))
        while not status:
            _, status, chunk = encoder.encode(max(65536, size[0] * size[1]))
            chunks.append(chunk)
    finally:
        encoder.cleanup()
    if status < 0:
        return None
    return np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(size[1], size[0])
