"""The fast 8-bit grey PNG reader gives Pillow's pixels exactly, or steps aside (None)."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from digitdesk.loading import MAX_PIXELS, Page, open_pages, read_small_pngs
from digitdesk.png_fast import read_gray8, read_gray8_many


def png_bytes(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def pillow_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im)


@pytest.fixture(scope="module")
def pictures():
    rng = np.random.default_rng(5)
    out = [rng.integers(0, 256, (h, w), dtype=np.uint8) for h, w in ((28, 28), (1, 1), (3, 500), (333, 17))]
    ramp = np.tile(np.arange(256, dtype=np.uint8), (40, 1))  # smooth: every PNG row filter gets used
    out += [ramp, ramp.T.copy(), np.zeros((20, 20), np.uint8)]
    return out


@pytest.mark.parametrize("options", [{}, {"optimize": True}, {"compress_level": 0}, {"compress_level": 9}])
def test_same_pixels_as_pillow(pictures, options):
    for a in pictures:
        data = png_bytes(Image.fromarray(a), **options)
        got = read_gray8(data, MAX_PIXELS)
        assert got is not None and got.dtype == np.uint8
        assert np.array_equal(got, pillow_pixels(data)) and np.array_equal(got, a)


def test_many_idat_chunks_and_text_chunks(pictures):
    a = pictures[3]
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "scanned by a test")
    data = png_bytes(Image.fromarray(a), pnginfo=info)
    # Split the image data over many IDAT chunks, as some encoders write it.
    start = data.index(b"IDAT") - 4
    length = int.from_bytes(data[start : start + 4], "big")
    payload = data[start + 8 : start + 8 + length]
    chunks = b"".join(
        len(p).to_bytes(4, "big") + b"IDAT" + p + zlib.crc32(b"IDAT" + p).to_bytes(4, "big")
        for p in (payload[i : i + 50] for i in range(0, len(payload), 50))
    )
    split = data[:start] + chunks + data[start + 12 + length :]
    assert np.array_equal(read_gray8(split, MAX_PIXELS), a)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "P", "1", "I;16"])
def test_other_kinds_step_aside(mode):
    image = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).convert(mode)
    assert read_gray8(png_bytes(image), MAX_PIXELS) is None


def with_header_byte(data: bytes, offset: int, value: int) -> bytes:
    """``data`` with one IHDR field byte changed (and the chunk's CRC made right again)."""
    ihdr = bytearray(data[12:29])
    ihdr[4 + offset] = value
    return data[:12] + bytes(ihdr) + zlib.crc32(bytes(ihdr)).to_bytes(4, "big") + data[33:]


def test_interlaced_transparent_and_damaged_step_aside(pictures):
    a = Image.fromarray(pictures[0])
    good = png_bytes(a)
    assert np.array_equal(read_gray8(with_header_byte(good, 8, 8), MAX_PIXELS), pictures[0])
    assert read_gray8(with_header_byte(good, 12, 1), MAX_PIXELS) is None   # Adam7 interlacing
    assert read_gray8(png_bytes(a, transparency=0), MAX_PIXELS) is None
    assert read_gray8(good[:-20], MAX_PIXELS) is None                      # truncated
    assert read_gray8(good[:40] + bytes([good[40] ^ 1]) + good[41:], MAX_PIXELS) is None  # CRC
    assert read_gray8(good[:8], MAX_PIXELS) is None
    assert read_gray8(b"not a png", MAX_PIXELS) is None
    assert read_gray8(good, max_pixels=10) is None                          # over the limit


def test_loader_uses_it_and_falls_back(tmp_path, pictures):
    a = pictures[0]
    fast = tmp_path / "fast.png"
    fast.write_bytes(png_bytes(Image.fromarray(a)))
    slow = tmp_path / "transparent.png"  # has a tRNS chunk: Pillow reads it
    slow.write_bytes(png_bytes(Image.fromarray(a), transparency=0))
    for path in (fast, slow):
        (page,) = list(open_pages(path))
        assert page.page == 1 and np.array_equal(page.pixels, a)
        assert page.gray.dtype == np.float32 and np.allclose(page.gray, a / 255.0)


def test_damaged_files_never_read_differently_from_pillow(pictures):
    """Random damage, with and without CRCs made right again: the fast reader either steps
    aside or gives exactly what Pillow gives; it never reads a file Pillow rejects."""
    rng = np.random.default_rng(11)
    answered = 0
    for i in range(400):
        data = png_bytes(Image.fromarray(pictures[i % 4]))
        start = data.index(b"IDAT") - 4
        length = int.from_bytes(data[start : start + 4], "big")
        payload = bytearray(data[start + 8 : start + 8 + length])
        for _ in range(int(rng.integers(1, 3))):
            payload[int(rng.integers(0, len(payload)))] = int(rng.integers(0, 256))
        if i % 3 == 0:
            payload = payload[: int(rng.integers(1, len(payload)))]
        payload = bytes(payload)
        if i % 2:  # a damaged chunk whose CRC still matches
            chunk = len(payload).to_bytes(4, "big")
            chunk += b"IDAT" + payload + zlib.crc32(b"IDAT" + payload).to_bytes(4, "big")
            damaged = data[:start] + chunk + data[start + 12 + length :]
        else:  # damage that the CRC gives away
            damaged = data[: start + 8] + payload + data[start + 8 + len(payload) :]
        got = read_gray8(damaged, MAX_PIXELS)
        if got is None:
            continue
        answered += 1
        try:
            want = pillow_pixels(damaged)
        except Exception:  # noqa: BLE001 - whatever Pillow raises, the fast reader must not answer
            pytest.fail("the fast reader read a file Pillow rejects")
        assert np.array_equal(got, want)
    assert 0 < answered < 400  # some damage leaves a readable image: those were compared


def test_a_pillow_without_the_codec_access_falls_back(monkeypatch, pictures):
    """The reader leans on Pillow's semi-private codec calls; if they change, Pillow's own way
    reads the file instead of the batch failing."""
    data = png_bytes(Image.fromarray(pictures[0]))

    def gone(*args, **kwargs):
        raise AttributeError("_getdecoder")

    monkeypatch.setattr(Image, "_getdecoder", gone)
    assert read_gray8(data, MAX_PIXELS) is None


def with_filter_byte(data: bytes, row: int, value: int, width: int) -> bytes:
    """``data`` (one IDAT) with one row's filter type byte replaced, stream and CRC made right."""
    start = data.index(b"IDAT") - 4
    length = int.from_bytes(data[start : start + 4], "big")
    rows = bytearray(zlib.decompress(data[start + 8 : start + 8 + length]))
    rows[row * (width + 1)] = value
    payload = zlib.compress(bytes(rows))
    chunk = len(payload).to_bytes(4, "big") + b"IDAT" + payload + zlib.crc32(b"IDAT" + payload).to_bytes(4, "big")
    return data[:start] + chunk + data[start + 12 + length :]


def test_many_at_once_answers_as_each_alone(pictures):
    """Pictures of one size are decoded together; every answer (pixels or None) must be the
    one read_gray8 gives that file alone: smooth pictures use every row filter, so a wrong
    seam between stacked pictures would show."""
    rng = np.random.default_rng(3)
    ramp = pictures[4][:, :28]
    files = []
    for i in range(60):
        a = ramp[rng.permutation(40)[:28]] if i % 2 else rng.integers(0, 256, (28, 28), dtype=np.uint8)
        files.append(png_bytes(Image.fromarray(a), compress_level=int(rng.integers(0, 10))))
    files += [png_bytes(Image.fromarray(p)) for p in pictures]            # other sizes, alone
    files.append(png_bytes(Image.fromarray(pictures[0]).convert("RGB")))  # steps aside
    files.append(with_filter_byte(files[0], 3, 7, 28))                    # no such row filter
    files.append(files[1][:-30])                                          # truncated
    adler = bytearray(files[2])
    adler[adler.index(b"IEND") - 9] ^= 1  # last byte of the zlib stream's checksum, CRC not fixed
    files.append(bytes(adler))
    many = read_gray8_many(files, MAX_PIXELS)
    alone = [read_gray8(f, MAX_PIXELS) for f in files]
    assert sum(a is not None for a in alone) == 67
    for got, want in zip(many, alone):
        assert (got is None and want is None) or np.array_equal(got, want)
    for got, data in zip(many[:67], files[:67]):
        assert np.array_equal(got, pillow_pixels(data))


def test_many_at_once_with_damage_answers_as_each_alone(pictures):
    rng = np.random.default_rng(17)
    base = png_bytes(Image.fromarray(pictures[0]))
    start = base.index(b"IDAT") - 4
    length = int.from_bytes(base[start : start + 4], "big")
    files = []
    for i in range(200):
        payload = bytearray(base[start + 8 : start + 8 + length])
        payload[int(rng.integers(0, len(payload)))] = int(rng.integers(0, 256))
        payload = bytes(payload)
        chunk = len(payload).to_bytes(4, "big") + b"IDAT" + payload + zlib.crc32(b"IDAT" + payload).to_bytes(4, "big")
        files.append(base[:start] + chunk + base[start + 12 + length :])
        files.append(base)
    many = read_gray8_many(files, MAX_PIXELS)
    assert sum(got is not None for got in many) >= 200  # the undamaged copies at least
    for got, data in zip(many, files):
        want = read_gray8(data, MAX_PIXELS)
        assert (got is None and want is None) or np.array_equal(got, want)


def test_loader_reads_a_chunk_of_small_pngs_at_once(tmp_path, pictures):
    """read_small_pngs decodes grey PNGs, hands back the bytes of other PNGs (which open_pages
    then reads without opening the file again) and leaves everything else to open_pages."""
    a = pictures[0]
    (tmp_path / "grey.png").write_bytes(png_bytes(Image.fromarray(a)))
    (tmp_path / "rgb.png").write_bytes(png_bytes(Image.fromarray(a).convert("RGB")))
    Image.fromarray(a).save(tmp_path / "scan.jpg")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "folder.png").mkdir()
    names = ["grey.png", "rgb.png", "scan.jpg", "empty.png", "folder.png", "missing.png"]
    paths = [str(tmp_path / n) for n in names]
    got = read_small_pngs(paths)
    assert isinstance(got[0], Page) and got[0].page == 1 and np.array_equal(got[0].pixels, a)
    assert isinstance(got[1], bytes) and got[1] == (tmp_path / "rgb.png").read_bytes()
    assert got[2:] == [None] * 4
    (page,) = open_pages(paths[1], got[1])
    (alone,) = open_pages(paths[1])
    assert np.array_equal(page.pixels, alone.pixels) and np.array_equal(page.pixels, a)


def test_a_chunk_never_decodes_big_pictures_together(tmp_path):
    """A blank page compresses to a few KB: a chunk of them must not be decoded all at once.
    Pictures over 256x256 come back as bytes, and open_pages reads them one at a time."""
    page = np.full((1200, 900), 255, np.uint8)
    page[500:600, 400:450] = 0
    path = tmp_path / "page.png"
    path.write_bytes(png_bytes(Image.fromarray(page)))
    assert path.stat().st_size < 64 << 10
    (got,) = read_small_pngs([str(path)])
    assert isinstance(got, bytes)
    (read,) = open_pages(str(path), got)
    assert np.array_equal(read.pixels, page)
