"""Every format scanners and people produce loads as grey pages; bad files become clear errors."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from digitdesk.loading import MAX_PIXELS, LoadError, load_gray, open_pages
from tests.helpers import synthetic_digit

INK = synthetic_digit("one")          # white on black, uint8
PAPER = 255 - INK                     # dark ink on white paper, as scanned


def save(tmp_path, name, image, **kw):
    path = tmp_path / name
    image.save(path, **kw)
    return path


def assert_dark_digit(gray):
    """The loaded page shows dark ink where the digit is and light paper elsewhere."""
    assert gray.dtype == np.float32 and gray.ndim == 2
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    ink = INK > 0
    if gray.shape != INK.shape:
        gray = np.asarray(Image.fromarray((gray * 255).astype(np.uint8)).resize(INK.shape[::-1]))
        gray = gray / 255.0
    assert gray[ink].mean() < 0.35 and gray[~ink].mean() > 0.65


@pytest.mark.parametrize(
    "name,mode,kw",
    [
        ("a.png", "L", {}),
        ("a.jpg", "L", {"quality": 95}),
        ("a.jpg", "CMYK", {"quality": 95}),
        ("prog.jpg", "RGB", {"quality": 95, "progressive": True}),
        ("a.bmp", "RGB", {}),
        ("a.gif", "P", {}),
        ("a.webp", "RGB", {"lossless": True}),
        ("lzw.tif", "L", {"compression": "tiff_lzw"}),
        ("jpeg.tif", "RGB", {"compression": "jpeg"}),
        ("g4.tif", "1", {"compression": "group4"}),
        ("bitonal.png", "1", {}),
        ("a.pgm", "L", {}),
    ],
)
def test_formats_load_as_grey(tmp_path, name, mode, kw):
    img = Image.fromarray(PAPER).convert(mode)
    gray = load_gray(save(tmp_path, name, img, **kw))
    assert_dark_digit(gray)


def test_sixteen_bit_png(tmp_path):
    img = Image.fromarray(PAPER.astype(np.uint16) * 257)
    path = save(tmp_path, "deep.png", img)
    assert Image.open(path).mode.startswith("I")
    assert_dark_digit(load_gray(path))


def test_transparent_paper_is_paper(tmp_path):
    # Black strokes on transparency and white strokes on transparency both read as ink.
    for colour in (0, 255):
        rgba = np.zeros((28, 28, 4), dtype=np.uint8)
        rgba[..., :3] = colour
        rgba[..., 3] = INK
        gray = load_gray(save(tmp_path, f"t{colour}.png", Image.fromarray(rgba, "RGBA")))
        ink = INK > 0
        contrast = abs(gray[ink].mean() - gray[~ink].mean())
        assert contrast > 0.9, colour
    la = Image.fromarray(np.stack([np.zeros_like(INK), INK], -1), "LA")
    gray = load_gray(save(tmp_path, "la.png", la))
    assert abs(gray[INK > 0].mean() - gray[INK == 0].mean()) > 0.9


def test_palette_with_transparency(tmp_path):
    img = Image.fromarray(PAPER).convert("P")
    img.info["transparency"] = 255
    assert_dark_digit(load_gray(save(tmp_path, "pt.png", img, transparency=255)))


def test_exif_orientation_is_applied(tmp_path):
    tall = np.full((40, 20), 255, dtype=np.uint8)
    tall[:10, :] = 0  # ink at the top
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = save(tmp_path, "phone.jpg", Image.fromarray(tall), exif=exif.tobytes(), quality=95)
    gray = load_gray(path)
    assert gray.shape == (20, 40)
    assert gray[:, -10:].mean() < 0.3 and gray[:, :10].mean() > 0.7  # top went to the right


def test_multipage_tiff_gives_every_page(tmp_path):
    pages = [Image.fromarray(np.roll(PAPER, k, axis=1)) for k in range(3)]
    path = tmp_path / "scan.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    got = list(open_pages(path))
    assert [p.page for p in got] == [1, 2, 3]
    assert not np.allclose(got[0].gray, got[1].gray)


def test_gif_first_frame_only(tmp_path):
    frames = [Image.fromarray(PAPER).convert("P"), Image.fromarray(255 - PAPER).convert("P")]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert len(list(open_pages(path))) == 1


def test_content_decides_format_not_name(tmp_path):
    path = tmp_path / "really_a_png.jpg"
    Image.fromarray(PAPER).save(path, format="PNG")
    assert_dark_digit(load_gray(path))


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "empty"),
        (b"hello, I am text", "not an image"),
        (os.urandom(4096), "not an image"),
    ],
)
def test_junk_is_a_clear_error(tmp_path, content, expected):
    path = tmp_path / "junk.png"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=expected):
        load_gray(path)


def test_truncated_png(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8)).save(buf, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(LoadError, match="truncated|damaged"):
        load_gray(path)


def test_a_tiff_that_lost_its_page_directory_is_called_damaged_not_unknown(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (120, 160), dtype=np.uint8)).save(
        buf, "TIFF", compression="tiff_lzw")
    path = tmp_path / "cut.tif"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])   # the directory is at the end
    with pytest.raises(LoadError, match="damaged: it starts as a TIFF"):
        load_gray(path)
    for rows in (None, lambda w, h: 10):
        with pytest.raises(LoadError, match="damaged"):
            list(open_pages(path, rows=rows))


def test_decompression_bomb_refused_without_allocating(tmp_path):
    # A 1-bit PNG that claims 20000 x 20000 pixels: tiny on disk, 400 MB if decoded.
    side = 20_000
    assert side * side > MAX_PIXELS
    path = save(tmp_path, "bomb.png", Image.new("1", (side, side)))
    assert path.stat().st_size < 200_000
    with pytest.raises(LoadError, match="too large"):
        load_gray(path)


def test_missing_broken_link_folder_and_fifo(tmp_path):
    with pytest.raises(LoadError, match="not found"):
        load_gray(tmp_path / "nope.png")
    link = tmp_path / "link.png"
    link.symlink_to(tmp_path / "gone.png")
    with pytest.raises(LoadError, match="broken link"):
        load_gray(link)
    folder = tmp_path / "folder.png"
    folder.mkdir()
    with pytest.raises(LoadError, match="folder"):
        load_gray(folder)
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(LoadError, match="regular file"):
        load_gray(fifo)


def test_unreadable_file(tmp_path, monkeypatch):
    path = save(tmp_path, "locked.png", Image.fromarray(PAPER))
    real_open = open

    def deny(file, *args, **kwargs):
        if os.fspath(file) == os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(LoadError, match="permission denied"):
        load_gray(path)


def test_unicode_and_undecodable_names(tmp_path):
    for name in ("çek №1 数字.png", os.fsdecode(b"bad\xff\xfename.png")):
        path = save(tmp_path, name, Image.fromarray(PAPER))
        assert_dark_digit(load_gray(path))
