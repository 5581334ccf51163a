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
from typing import Sequence

import numpy as np
from PIL import Image

from .top_rows import RowsWanted, wanted

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHUNK = struct.Struct(">I4s")
_IHDR = struct.Struct(">IIBBBBB")
_CRC = struct.Struct(">I")
# Ancillary chunks that change how the pixels should be read: leave those files to Pillow.
_REFUSED = frozenset({b"tRNS", b"acTL", b"fcTL", b"fdAT"})


def read_gray8(data: bytes, max_pixels: int, rows: RowsWanted | None = None) -> np.ndarray | None:
    """The pixels of an 8-bit grey, non-interlaced PNG as uint8 [h, w], or None (see above).

    ``rows(width, height)``: how many of the top rows are wanted; the decoder stops there (rows
    are compressed in order), and whatever follows them is not inflated, nor judged.
    """
    parsed = _parse(data, max_pixels)
    if parsed is None:
        return None
    idat, (w, h) = parsed
    return _decode_or_none(idat, (w, wanted(rows, w, h)) if rows else (w, h))


def read_gray8_many(datas: Sequence[bytes], max_pixels: int) -> list[np.ndarray | None]:
    """:func:`read_gray8` of each, the same pixels, with one C decoder call per picture size.

    A batch's small files cost more in per-call overhead than in decoding. Each file's image
    data is inflated by zlib on its own; the filtered rows of every picture of one size then go
    through Pillow's decoder as one tall picture, a zero row between pictures so that each
    picture's first row sees the zeros above it that PNG prescribes. Files whose data does not
    inflate to exactly their rows, or whose rows carry a filter type PNG does not define, are
    left to :func:`read_gray8`, which answers for them exactly as it would alone.
    """
    out: list[np.ndarray | None] = [None] * len(datas)
    groups: dict[tuple[int, int], list[tuple[int, bytes, bytes]]] = {}
    for i, data in enumerate(datas):
        parsed = _parse(data, max_pixels)
        if parsed is None:
            continue
        idat, (w, h) = parsed
        try:
            rows = zlib.decompress(idat)
        except zlib.error:
            rows = b""
        if len(rows) == h * (w + 1) and max(rows[:: w + 1]) <= 4:
            groups.setdefault((w, h), []).append((i, idat, rows))
        else:
            out[i] = _decode_or_none(idat, (w, h))
    for (w, h), items in groups.items():
        gap = bytes(w + 1)  # filter "none" and a row of zeros
        tall = None
        if len(items) > 1:
            tall = _decode_or_none(zlib.compress(gap.join(rows for _, _, rows in items), 0),
                                   (w, len(items) * (h + 1) - 1))
        if tall is None:  # a picture alone, or (it cannot happen with the rows checked) a failure
            for i, idat, _ in items:
                out[i] = _decode_or_none(idat, (w, h))
            continue
        stack = np.concatenate((tall, np.zeros((1, w), np.uint8))).reshape(len(items), h + 1, w)[:, :h]
        for k, (i, _, _) in enumerate(items):
            out[i] = stack[k]
    return out


def _parse(data: bytes, max_pixels: int) -> tuple[bytes, tuple[int, int]] | None:
    """The image data (IDATs joined) and size of a PNG :func:`read_gray8` takes, else None."""
    if not data.startswith(SIGNATURE):
        return None
    pos, end_of_data = 8, len(data)
    size, parts = None, []
    view = memoryview(data)  # CRCs over slices of it copy nothing
    while True:
        if pos + 12 > end_of_data:
            return None  # no IEND
        length, kind = _CHUNK.unpack_from(data, pos)
        end = pos + 8 + length
        if end + 4 > end_of_data or zlib.crc32(view[pos + 4 : end]) != _CRC.unpack_from(data, end)[0]:
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
    return (parts[0] if len(parts) == 1 else b"".join(parts)), size


def _decode_or_none(data: bytes, size: tuple[int, int]) -> np.ndarray | None:
    try:
        return _decode(data, size)
    except Exception:  # noqa: BLE001 - Pillow's codec access changed, or hostile data: Pillow's way
        return None


def _decode(data: bytes, size: tuple[int, int]) -> np.ndarray | None:
    """Inflate and unfilter with Pillow's C zip decoder; the pixels out through its raw encoder.

    ``size`` may be shorter than the picture: the decoder stops after that many rows.
    """
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
