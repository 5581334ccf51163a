"""Open whatever scanners and people produce, as grey pages; say in plain words what went wrong.

Every picture becomes one or more :class:`Page` (a multi-page TIFF gives one per page, a GIF its
first frame). Anything that cannot be read raises :class:`LoadError` with a message meant for a
person; callers turn it into an ``error`` result and carry on.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import warnings
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cached_property
from typing import IO, Iterator, Sequence

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from . import png_fast
from .preprocess import as_float_gray
from .top_rows import RowsWanted, is_tiff, jpeg_top, tiff_cut, wanted

# Refuse bigger pictures before decoding them: 100 megapixels is an A3 page at 600 dpi.
MAX_PIXELS = 100_000_000
# Pillow's own bomb check would fire on our limit's neighbours; ours comes first and is clearer.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


# PNGs up to this size are read whole and tried with the fast 8-bit grey reader first.
_FAST_PNG_BYTES = 64 << 20
# Files up to this size are read a batch chunk at a time by read_small_pngs (a 256x256 grey
# PNG of noise fits), and decoded together when their pictures are no bigger than 256x256: a
# chunk of 512 files holds at most ~48 MB of file bytes and ~32 MB of pixels (a blank 300-dpi
# page compresses to a few KB, so the pixel bound matters).
_SMALL_PNG_BYTES = 96 << 10
_BATCH_PIXELS = 256 * 256

# Formats whose EXIF orientation tag cameras and phones set; reading EXIF elsewhere costs time.
_EXIF_ROTATED = frozenset({"JPEG", "MPO", "WEBP", "HEIF"})
_ORIENTATION = 0x0112
# TIFFs up to this size are read whole when only their top rows are wanted (top_rows.tiff_cut).
_CUT_TIFF_BYTES = 64 << 20


class LoadError(Exception):
    """A file that cannot be read as a picture; ``str()`` is a message for a person."""


@dataclass(eq=False)  # not frozen: a frozen dataclass costs a microsecond to make, once per file
class Page:
    """One grey picture, as the paper looks (not yet ink-mapped).

    ``pixels`` is what the decoder gave, made grey: uint8 for 8-bit pictures (most scans),
    float32 in [0, 1] otherwise. ``gray`` is the same as float32 in [0, 1], made on first use:
    batches of small files preprocess ``pixels`` a stack at a time and never need it.
    """

    page: int  # 1-based
    pixels: np.ndarray
    # The page's height when ``pixels`` holds only its top rows (``open_pages(rows=...)``).
    full_height: int | None = None

    @cached_property
    def gray(self) -> np.ndarray:
        return as_float_gray(self.pixels)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the whole page, decoded or not."""
        return self.pixels.shape[1], self.full_height or self.pixels.shape[0]


def image_to_gray(image: Image.Image) -> np.ndarray:
    """A decoded Pillow picture in any mode as float32 grey in [0, 1].

    Transparent areas are paper: they are filled with whatever contrasts with the opaque
    strokes, so black ink on transparency and white ink on transparency both read.
    """
    return as_float_gray(image_to_pixels(image))


def image_to_pixels(image: Image.Image) -> np.ndarray:
    """Like :func:`image_to_gray`, but 8-bit grey pictures stay uint8 (converted when needed)."""
    mode = image.mode
    if mode == "L":
        return np.asarray(image)
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    elif mode == "1":
        return np.asarray(image, dtype=np.float32)
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(image, dtype=np.uint16).astype(np.float32) / 65535.0
    if mode == "I":
        a = np.asarray(image, dtype=np.int64)
        top = 65535.0 if a.max(initial=0) > 255 else 255.0
        return np.clip(a.astype(np.float32) / top, 0.0, 1.0)
    if mode == "F":
        return as_float_gray(np.asarray(image, dtype=np.float32))
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        gray = np.asarray(rgba.convert("L"), dtype=np.float32) / 255.0
        if alpha.min() > 0.98:
            return gray
        opaque = alpha > 0.5
        ink_is_dark = not opaque.any() or float(gray[opaque].mean()) < 0.5
        paper = 1.0 if ink_is_dark else 0.0
        return gray * alpha + paper * (1.0 - alpha)
    return np.asarray(image.convert("L"))  # RGB, CMYK, YCbCr, LAB, HSV


_warnings_silenced = False


def silence_decoder_warnings() -> None:
    """Ignore all warnings for the rest of this process (batch workers call it once).

    Decoders warn about odd metadata that costs a reader nothing; the loader already silences
    them around each call, which costs as much as decoding a small PNG. A worker process that
    only reads files can switch them off once instead.
    """
    global _warnings_silenced
    warnings.simplefilter("ignore")
    _warnings_silenced = True


class _Silenced(warnings.catch_warnings):
    def __enter__(self):
        entered = super().__enter__()
        warnings.simplefilter("ignore")
        return entered


def _quiet():
    return nullcontext() if _warnings_silenced else _Silenced()


def _describe_os_error(path: str, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return "broken link: the file it points to does not exist"
        return "file not found"
    if isinstance(exc, PermissionError) or exc.errno == errno.EACCES:
        return "permission denied: the file cannot be read"
    if isinstance(exc, IsADirectoryError) or exc.errno == errno.EISDIR:
        return "is a folder, not an image"
    return f"cannot read the file ({exc.strerror or exc})"


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    """Pages worth reading: every TIFF page, only the first frame of animations."""
    if image.format in ("TIFF", "MPO") or getattr(image, "format", None) == "TIFF":
        yield from ImageSequence.Iterator(image)
    else:
        yield image


def read_small_pngs(paths: Sequence[str]) -> list[Page | bytes | None]:
    """For each of ``paths``: its page if it is a small 8-bit grey PNG of up to 256x256 pixels
    (most files in a batch of digits), decoded together with the others
    (:func:`png_fast.read_gray8_many`); the bytes read if it is another PNG of up to 96 KB
    (give them to :func:`open_pages` as ``data``); else None.

    Nothing here raises or judges: whatever is odd about a file is left to :func:`open_pages`.
    """
    out: list[Page | bytes | None] = [None] * len(paths)
    where, datas = [], []
    for i, path in enumerate(paths):
        data = _read_small(path) if path else None
        if data is not None and data.startswith(png_fast.SIGNATURE):
            out[i] = data
            where.append(i)
            datas.append(data)
    for i, pixels in zip(where, png_fast.read_gray8_many(datas, _BATCH_PIXELS)):
        if pixels is not None:
            out[i] = Page(1, pixels)
    return out


# Opening never waits (a FIFO named like an image); O_BINARY matters on Windows only.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_small(path: str) -> bytes | None:
    """The bytes of a regular file of at most _SMALL_PNG_BYTES, else None (never raises).

    Raw descriptor calls: half the cost of ``os.stat`` + ``open`` + ``read`` on a small file.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= _SMALL_PNG_BYTES:
            return None
        data = os.read(fd, info.st_size + 1)
        return data if len(data) == info.st_size else None  # changed while read: the slow way
    except OSError:
        return None
    finally:
        os.close(fd)


def open_pages(path: str | os.PathLike, data: bytes | None = None, rows: RowsWanted | None = None) -> Iterator[Page]:
    """Yield the grey pages of one file; raise :class:`LoadError` for anything unreadable.

    A multi-page TIFF whose later page is damaged still yields the earlier pages first.
    ``data``: the file's bytes, already read (by :func:`read_small_pngs`).
    ``rows(width, height)``: how many top rows of a page the caller reads (a template's fields);
    PNG, JPEG and TIFF pages may then hold only those (:attr:`Page.full_height` says so), the
    rest is not decoded (:mod:`.top_rows`).
    """
    path = os.fspath(path)
    if data is not None:
        yield from _png_pages(data, rows)
        return
    try:
        info = os.stat(path)
    except OSError as exc:
        raise LoadError(_describe_os_error(path, exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise LoadError("is a folder, not an image")
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("not a regular file (a device, pipe or socket)")
    size = info.st_size
    if size == 0:
        raise LoadError("file is empty (0 bytes)")
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise LoadError(_describe_os_error(path, exc)) from None
    with handle:
        cut = None
        try:
            head = handle.read(len(png_fast.SIGNATURE))
            if head == png_fast.SIGNATURE and size <= _FAST_PNG_BYTES:
                data = head + handle.read()
            elif rows is not None and is_tiff(head) and size <= _CUT_TIFF_BYTES:
                cut = tiff_cut(head + handle.read(), rows)
                handle.seek(0)
            else:
                handle.seek(0)
        except OSError as exc:
            raise LoadError(_describe_os_error(path, exc)) from None
        if data is not None:
            yield from _png_pages(data, rows)
        elif cut is not None:
            yield from _cut_tiff_pages(*cut)
        else:
            yield from _open_image(handle, rows)


def _png_pages(data: bytes, rows: RowsWanted | None = None) -> Iterator[Page]:
    """The page of a PNG read whole: the fast 8-bit grey reader's, else Pillow's from the same
    bytes (the file is not read again)."""
    pixels = png_fast.read_gray8(data, MAX_PIXELS, rows)
    if pixels is not None:
        height = _png_height(data)
        yield Page(1, pixels, height if height != pixels.shape[0] else None)
    else:
        yield from _open_image(io.BytesIO(data))


def _png_height(data: bytes) -> int:
    return int.from_bytes(data[20:24], "big")  # IHDR, which read_gray8 checked comes first


def _cut_tiff_pages(data: bytes, heights: list[int]) -> Iterator[Page]:
    """The pages of a TIFF whose pages :func:`top_rows.tiff_cut` made shorter."""
    for page in _open_image(io.BytesIO(data)):
        full = heights[page.page - 1] if page.page <= len(heights) else None
        if full is not None and full != page.pixels.shape[0]:
            page.full_height = full
        yield page


def _open_image(source: IO[bytes], rows: RowsWanted | None = None) -> Iterator[Page]:
    """Pillow's way: every page of an open file, or a :class:`LoadError` saying why not."""
    try:
        with _quiet():
            image = Image.open(source)
    except UnidentifiedImageError:
        kind = _looks_like(source)
        if kind:
            raise LoadError(f"file is damaged: it starts as a {kind} image, but its structure cannot be read") from None
        raise LoadError("not an image, or an image format digitdesk cannot read") from None
    except Image.DecompressionBombError:
        raise LoadError(f"image is too large (over {MAX_PIXELS:,} pixels)") from None
    except Exception as exc:  # hostile headers can raise anything from a plugin
        raise LoadError(f"cannot read the image ({exc})") from None
    with image:
        yield from _decode_frames(image, rows)


_MAGIC = ((png_fast.SIGNATURE, "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
          (b"GIF8", "GIF"), (b"BM", "BMP"))


def _looks_like(source: IO[bytes]) -> str | None:
    """The format a file's first bytes announce, for saying "damaged" rather than "not an image"."""
    try:
        source.seek(0)
        head = source.read(8)
    except (OSError, ValueError):
        return None
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def _decode_frames(image: Image.Image, rows: RowsWanted | None = None) -> Iterator[Page]:
    number = 0
    frames = _frames(image)
    while True:
        try:
            with _quiet():
                frame = next(frames)
                number += 1
                w, h = frame.size
                if w * h > MAX_PIXELS:
                    raise LoadError(
                        f"image is too large ({w:,}x{h:,} pixels; the limit is {MAX_PIXELS:,})"
                    )
                if w == 0 or h == 0:
                    raise LoadError("image has no pixels")
                pixels = _first_jpeg_page(frame, rows) if number == 1 and image.format == "JPEG" else None
                full_height = h if pixels is not None else None
                if pixels is None:
                    frame.load()
                    if number == 1 and image.format in _EXIF_ROTATED and _rotated(frame):
                        frame = ImageOps.exif_transpose(frame)
                    pixels = image_to_pixels(frame)
        except StopIteration:
            return
        except LoadError:
            raise
        except Image.DecompressionBombError:
            raise LoadError(f"image is too large (over {MAX_PIXELS:,} pixels)") from None
        except (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError) as exc:
            text = str(exc)
            if "truncated" in text or isinstance(exc, EOFError):
                message = "file is damaged or incomplete (image data is truncated)"
            else:
                message = f"file is damaged and cannot be decoded ({text or type(exc).__name__})"
            if number > 1:
                message = f"page {number}: {message}"
            raise LoadError(message) from None
        except MemoryError:
            raise LoadError("not enough memory to decode this image") from None
        except Exception as exc:  # a decoder bug on hostile bytes must not end a batch
            raise LoadError(f"file cannot be decoded ({type(exc).__name__}: {exc})") from None
        yield Page(number, pixels, full_height)


def _rotated(image: Image.Image) -> bool:
    """Whether EXIF says the picture must be turned (exif_transpose copies it even when not)."""
    return image.getexif().get(_ORIENTATION, 1) not in (1, None)


def _first_jpeg_page(image: Image.Image, rows: RowsWanted | None) -> np.ndarray | None:
    """A JPEG decoded straight to grey (libjpeg skips colour for an RGB file), only its top
    rows when that is all the caller reads; None to go the ordinary way."""
    if image.mode == "RGB":
        image.draft("L", image.size)
    if rows is None or image.mode != "L" or _rotated(image):
        return None
    return jpeg_top(image, wanted(rows, *image.size))


def load_gray(path: str | os.PathLike) -> np.ndarray:
    """The first page of a file as grey float32 (for single pictures: drops, pastes, samples)."""
    for page in open_pages(path):
        return page.gray
    raise LoadError("the file holds no pages")
