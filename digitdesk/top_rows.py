"""Decode only the top of a page: the rows a template's fields reach down to.

A cheque's amount box sits in the upper half of the scan; decoding the rest of the page only to
throw it away cost a batch of cheques more than reading the amount itself. JPEG, PNG and TIFF
store rows in order, so their decoders can stop early:

* PNG: :func:`digitdesk.png_fast.read_gray8` stops inflating once it has the rows;
* JPEG: :func:`jpeg_top` runs Pillow's decoder into a picture only as tall as needed;
* TIFF: :func:`tiff_cut` gives libtiff the file with each page's ImageLength cut to the rows
  wanted, so it decodes only the strips holding them.

Rows below those read are never looked at: damage there goes unnoticed, as it should when
nothing there is read. Anything unusual returns None and the page is decoded whole.
"""

from __future__ import annotations

import struct
from typing import Callable

import numpy as np
from PIL import Image

# rows(width, height): how many of a page's top rows the reader needs.
RowsWanted = Callable[[int, int], int]

_TIFF_MAGIC = {b"II*\x00": "<", b"MM\x00*": ">"}
_IMAGE_WIDTH, _IMAGE_LENGTH, _STRIP_OFFSETS = 256, 257, 273
_SHORT, _LONG = 3, 4
_MAX_PAGES = 10_000  # a looping IFD chain must not hang the reader


def wanted(rows: RowsWanted, width: int, height: int) -> int:
    """How many top rows of a ``width`` x ``height`` page to decode: what ``rows`` asks, within 1..height."""
    return min(height, max(1, int(rows(width, height))))


def is_tiff(head: bytes) -> bool:
    return head[:4] in _TIFF_MAGIC


def tiff_cut(data: bytes, rows: RowsWanted) -> tuple[bytes, list[int]] | None:
    """``data`` (a classic, striped TIFF) with every page's height cut to the rows wanted, and
    each page's real height; None when the file is anything else or no page gets shorter."""
    order = _TIFF_MAGIC.get(data[:4])
    if order is None or len(data) < 8:
        return None
    cut = bytearray(data)
    heights: list[int] = []
    shorter = False
    (ifd,) = struct.unpack_from(order + "I", data, 4)
    seen = set()
    while ifd and len(heights) < _MAX_PAGES:
        if ifd in seen or ifd + 2 > len(data):
            return None
        seen.add(ifd)
        (count,) = struct.unpack_from(order + "H", data, ifd)
        end = ifd + 2 + 12 * count
        if end + 4 > len(data):
            return None
        entries = {}
        for pos in range(ifd + 2, end, 12):
            tag, kind, n = struct.unpack_from(order + "HHI", data, pos)
            entries[tag] = (pos, kind, n)
        if _STRIP_OFFSETS not in entries or _IMAGE_WIDTH not in entries or _IMAGE_LENGTH not in entries:
            return None  # tiled, or not a picture this understands
        values = []
        for tag in (_IMAGE_WIDTH, _IMAGE_LENGTH):
            pos, kind, n = entries[tag]
            if n != 1 or kind not in (_SHORT, _LONG):
                return None
            values.append((pos + 8, order + ("H" if kind == _SHORT else "I")))
        width = struct.unpack_from(values[0][1], data, values[0][0])[0]
        height = struct.unpack_from(values[1][1], data, values[1][0])[0]
        if width < 1 or height < 1:
            return None
        n = wanted(rows, width, height)
        if n < height:
            struct.pack_into(values[1][1], cut, values[1][0], n)
            shorter = True
        heights.append(height)
        (ifd,) = struct.unpack_from(order + "I", data, end)
    return (bytes(cut), heights) if shorter else None


def jpeg_top(image: Image.Image, rows: int) -> np.ndarray | None:
    """The top ``rows`` rows of an opened, not yet loaded JPEG as uint8, or None (then decode
    it whole: that also gives damaged files their error message).

    The decoder is stopped by the picture's end, which it reports as an error; whether the
    rows really came is told by the last one: it starts as a pattern no decoder writes.
    """
    width, height = image.size
    if image.mode != "L" or len(image.tile) != 1 or image.tile[0].codec_name != "jpeg" or rows >= height:
        return None
    tile = image.tile[0]
    out = Image.new("L", (width, rows))
    sentinel = np.tile(np.array([0, 255], np.uint8), width // 2 + 1)[:width]
    out.paste(Image.frombytes("L", (width, 1), sentinel.tobytes()), (0, rows - 1))
    try:
        image.fp.seek(tile.offset)
        data = image.fp.read()
        decoder = Image._getdecoder(image.mode, tile.codec_name, tile.args, image.decoderconfig)
    except Exception:  # noqa: BLE001 - the ordinary way decides, and words the error
        return None
    try:
        decoder.setimage(out.im, (0, 0, width, rows))
        consumed, _ = decoder.decode(data)
    except Exception:  # noqa: BLE001
        return None
    finally:
        decoder.cleanup()
    if consumed != -1:
        return None  # the data ended first: truncated
    pixels = np.asarray(out)
    if np.array_equal(pixels[-1], sentinel):
        return None
    return pixels


__all__ = ["RowsWanted", "is_tiff", "jpeg_top", "tiff_cut", "wanted"]
