"""Pages decoded only down to the rows a template's fields reach: the same pixels as a whole
decode, the page's real size kept, damage caught where it is read and ignored below."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from digitdesk.loading import LoadError, open_pages
from digitdesk.top_rows import tiff_cut


def _page(seed: int = 0, size: tuple[int, int] = (300, 200)) -> np.ndarray:
    """A grey page with structure in every row (noise over a gradient), so a wrong row shows."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = np.linspace(40, 220, h)[:, None] + np.linspace(0, 30, w)[None, :]
    return np.clip(base + rng.normal(0, 12, (h, w)), 0, 255).astype(np.uint8)


def _save(tmp_path, name: str, images: list[Image.Image], **kw) -> str:
    path = tmp_path / name
    images[0].save(path, save_all=len(images) > 1, append_images=images[1:], **kw)
    return str(path)


def _whole(path: str) -> list[np.ndarray]:
    return [p.pixels for p in open_pages(path)]


def _top(n: int):
    return lambda width, height: n


@pytest.mark.parametrize("fmt, kw", [
    ("png", {}), ("jpg", {"quality": 85}), ("tif", {"compression": "tiff_lzw"}),
    ("tif", {"compression": "group4"}), ("tif", {"compression": "raw"}),
])
def test_top_rows_are_the_whole_decode_s_rows_and_the_page_keeps_its_size(tmp_path, fmt, kw):
    image = Image.fromarray(_page(1))
    if kw.get("compression") == "group4":
        image = image.point(lambda v: 255 if v > 128 else 0).convert("1")
    path = _save(tmp_path, f"p.{fmt}", [image], **kw)
    (whole,) = _whole(path)
    (page,) = open_pages(path, rows=_top(77))
    assert page.size == (300, 200)
    assert page.full_height == 200 and page.pixels.shape == (77, 300)
    assert np.array_equal(page.pixels, whole[:77])
    # Asking for every row (or more) is an ordinary decode.
    (page,) = open_pages(path, rows=_top(500))
    assert page.full_height is None and np.array_equal(page.pixels, whole)


def test_every_page_of_a_multipage_tiff_is_cut_to_its_own_rows(tmp_path):
    pages = [Image.fromarray(_page(s, size)) for s, size in ((1, (300, 200)), (2, (240, 400)), (3, (100, 50)))]
    path = _save(tmp_path, "multi.tif", pages, compression="tiff_lzw")
    wanted = lambda width, height: height // 2  # noqa: E731
    got = list(open_pages(path, rows=wanted))
    assert [p.page for p in got] == [1, 2, 3]
    for page, whole in zip(got, _whole(path)):
        assert page.size == (whole.shape[1], whole.shape[0])
        assert np.array_equal(page.pixels, whole[: whole.shape[0] // 2])


def test_tiff_cut_leaves_files_it_does_not_understand_alone(tmp_path):
    assert tiff_cut(b"not a tiff at all", _top(5)) is None
    assert tiff_cut(b"II*\x00", _top(5)) is None                       # no IFD
    looping = bytearray(b"II*\x00\x08\x00\x00\x00") + b"\x00\x00" + b"\x08\x00\x00\x00"
    assert tiff_cut(bytes(looping), _top(5)) is None                   # an IFD pointing at itself
    path = _save(tmp_path, "t.tif", [Image.fromarray(_page())], compression="tiff_lzw")
    data = open(path, "rb").read()
    assert tiff_cut(data, _top(500)) is None                           # nothing to cut
    cut, heights = tiff_cut(data, _top(5))
    assert heights == [200] and len(cut) == len(data)


def test_rgb_jpeg_decodes_straight_to_grey_within_rounding_of_converting(tmp_path):
    rng = np.random.default_rng(4)
    grey = _page(4)
    rgb = np.stack([grey, np.clip(grey + rng.integers(-20, 20, grey.shape), 0, 255), grey // 2], -1).astype(np.uint8)
    path = _save(tmp_path, "c.jpg", [Image.fromarray(rgb)], quality=90)
    converted = np.asarray(Image.open(path).convert("L"), dtype=int)
    (page,) = open_pages(path)
    assert page.pixels.dtype == np.uint8
    difference = np.abs(page.pixels.astype(int) - converted)
    assert difference.mean() < 1.0 and difference.max() <= 8   # chroma rounding on coloured noise
    (top,) = open_pages(path, rows=_top(64))
    assert np.array_equal(top.pixels, page.pixels[:64])


def test_exif_turned_jpeg_is_decoded_whole_and_turned(tmp_path):
    image = Image.fromarray(_page(5))
    exif = Image.Exif()
    exif[0x0112] = 6  # turned: the page as seen is 200 wide, 300 tall
    path = str(tmp_path / "turned.jpg")
    image.save(path, exif=exif, quality=90)
    (page,) = open_pages(path, rows=_top(40))
    assert page.full_height is None and page.pixels.shape == (300, 200)


def test_damage_below_the_rows_read_is_not_noticed_but_damage_within_them_is(tmp_path):
    path = _save(tmp_path, "d.jpg", [Image.fromarray(_page(6))])
    data = open(path, "rb").read()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 3 // 4])   # the last rows' data is missing
    with pytest.raises(LoadError, match="truncated"):
        list(open_pages(str(cut)))
    (page,) = open_pages(str(cut), rows=_top(20))
    assert np.array_equal(page.pixels, _whole(path)[0][:20])
    cut.write_bytes(data[: len(data) // 10])      # the rows asked for are missing too
    with pytest.raises(LoadError, match="truncated"):
        list(open_pages(str(cut), rows=_top(190)))
    # A PNG is checked whole (chunk by chunk) before any row is read.
    path = _save(tmp_path, "d.png", [Image.fromarray(_page(6))])
    cut = tmp_path / "cut.png"
    cut.write_bytes(open(path, "rb").read()[:-100])
    with pytest.raises(LoadError, match="damaged|truncated"):
        list(open_pages(str(cut), rows=_top(20)))


def test_png_fast_reader_stops_at_the_rows_asked_for():
    from digitdesk.loading import MAX_PIXELS
    from digitdesk.png_fast import read_gray8

    a = _page(7)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    assert np.array_equal(read_gray8(buf.getvalue(), MAX_PIXELS, _top(33)), a[:33])
    assert np.array_equal(read_gray8(buf.getvalue(), MAX_PIXELS, _top(0)), a[:1])


def test_a_field_batch_reads_partly_decoded_pages_as_it_reads_whole_ones(tmp_path):
    from tests.helpers import need_mnist, need_model

    need_mnist()
    need_model()
    from digitdesk.batch import BatchOptions, run_batch
    from digitdesk.field_locate import read_field
    from digitdesk.fields import load_template
    from digitdesk.model import DigitModel
    from tests.synth import write_cheques

    truth = write_cheques(tmp_path, 4, seed=40, multipage_every=2)
    template = load_template(tmp_path / "template.json")
    (field,) = template.fields
    rows = list(run_batch([tmp_path], BatchOptions(mode="number", fields=template.fields, workers=1)))
    assert len(rows) == len(truth)
    model = DigitModel(threads=1)
    for row in rows:
        page = list(open_pages(row.path))[row.page - 1]
        assert page.full_height is None
        whole = read_field(page.pixels, field, model, "number")
        assert (row.prediction, row.confidence) == (whole.text, pytest.approx(whole.confidence, abs=1e-6))
        assert row.boxes == whole.boxes
