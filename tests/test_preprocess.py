"""The one preprocessing path: MNIST normalisation that holds up on real-world pictures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitdesk.preprocess import NoInkError, ink_map, to_model_input
from tests.helpers import need_mnist, synthetic_digit


def com(img):
    ys, xs = np.mgrid[: img.shape[0], : img.shape[1]]
    return (img * ys).sum() / img.sum(), (img * xs).sum() / img.sum()


def similar(a, b, tol=0.06):
    """Mean absolute difference of two model inputs, forgiving a one-pixel shift (rounding of the
    centre of mass), is below ``tol`` (0 = same, 1 = opposite)."""
    best = min(
        float(np.abs(np.roll(a, (dy, dx), axis=(0, 1)) - b).mean())
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )
    return best < tol


@pytest.fixture(scope="module")
def digits():
    x, y = need_mnist()
    return x[:50], y[:50]


def test_output_follows_the_contract(digits):
    for raw in digits[0]:
        out = to_model_input(raw)
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() == pytest.approx(1.0)
        rows = np.flatnonzero(out.max(1) > 0)
        cols = np.flatnonzero(out.max(0) > 0)
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21
        cy, cx = com(out)
        assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0


def test_mnist_is_left_almost_as_it_is(digits):
    diffs = [np.abs(to_model_input(raw) - raw / 255.0).mean() for raw in digits[0]]
    assert np.median(diffs) < 0.03


def test_polarity_does_not_matter(digits):
    for raw in digits[0][:10]:
        assert np.allclose(to_model_input(raw), to_model_input(255 - raw), atol=1e-5)


def test_grey_noisy_scan(digits):
    rng = np.random.default_rng(1)
    for raw in digits[0][:10]:
        clean = to_model_input(raw)
        scan = 200.0 - raw * (120.0 / 255.0) + rng.normal(0, 6, raw.shape)  # grey ink on grey paper
        assert similar(to_model_input(np.clip(scan, 0, 255).astype(np.uint8)), clean)


def test_uneven_lighting_and_textured_paper(digits):
    raw = np.asarray(Image.fromarray(digits[0][0]).resize((112, 112), Image.BICUBIC), dtype=np.float32)
    clean = to_model_input(raw.astype(np.uint8))
    yy, xx = np.mgrid[:112, :112]
    paper = 150 + 90 * xx / 111 + 12 * np.sin(xx / 2.0) * np.sin(yy / 3.0)  # gradient + guilloche
    scan = np.clip(paper - raw * 0.55, 0, 255).astype(np.uint8)
    assert similar(to_model_input(scan), clean, tol=0.08)


def test_specks_away_from_the_digit_are_ignored(digits):
    raw = np.pad(digits[0][1], 20)
    clean = to_model_input(raw)
    specked = raw.copy()
    specked[2, 2] = specked[3, 3] = 255
    specked[60:62, 5:7] = 255
    assert similar(to_model_input(specked), clean, tol=0.01)


def test_tiny_and_huge_inputs(digits):
    raw = digits[0][2]
    clean = to_model_input(raw)
    small = np.asarray(Image.fromarray(raw).resize((16, 16), Image.BOX))
    huge = np.asarray(Image.fromarray(raw).resize((1400, 1400), Image.BICUBIC))
    assert similar(to_model_input(small), clean, tol=0.08)
    assert similar(to_model_input(huge), clean, tol=0.06)


def test_thin_pen_on_big_canvas_is_thickened():
    canvas = np.zeros((400, 400), dtype=np.uint8)
    canvas[50:350, 199:201] = 255  # a '1' drawn with a 2-pixel pen
    out = to_model_input(canvas)
    assert (out > 0.5).sum(axis=1).max() >= 2  # at least two pixels wide in 28x28


@pytest.mark.parametrize(
    "picture",
    [
        np.zeros((28, 28), np.uint8),
        np.full((50, 80), 255, np.uint8),
        np.full((1, 1), 128, np.uint8),
        np.random.default_rng(0).integers(120, 130, (40, 40)).astype(np.uint8),
    ],
    ids=["black", "white", "one-pixel", "flat-noise"],
)
def test_blank_pictures_have_no_digit(picture):
    with pytest.raises(NoInkError):
        to_model_input(picture)


def test_single_speck_is_not_a_digit():
    page = np.full((100, 100), 255, np.uint8)
    page[40, 40] = 0
    with pytest.raises(NoInkError):
        to_model_input(page)


def test_ink_map_is_white_on_black():
    digit = synthetic_digit("zero")
    for picture in (digit, 255 - digit):
        ink = ink_map(picture)
        assert ink[digit > 0].mean() > 0.9 and ink[digit == 0].max() == 0.0


def test_rejects_non_2d():
    with pytest.raises(ValueError):
        to_model_input(np.zeros((28, 28, 3), np.uint8))


def test_stacked_path_is_the_single_path_bit_for_bit(digits):
    """Batches preprocess small pictures a stack at a time; it must change nothing."""
    from digitdesk.preprocess import digit_inputs_with_boxes, normalize_digit_with_box

    rng = np.random.default_rng(3)
    raw = list(digits[0])
    pictures = raw + [255 - a for a in raw[:10]]
    pictures += [np.clip(190.0 - a * 0.5 + rng.normal(0, 8, a.shape), 0, 255).astype(np.uint8) for a in raw[:10]]
    specked = [a.copy() for a in raw[:10]]
    for a in specked:
        a[0, 0] = a[27, 27] = 255
    pictures += specked + [np.zeros((28, 28), np.uint8), rng.integers(0, 255, (28, 28)).astype(np.uint8)]
    pictures += [np.asarray(Image.fromarray(a).resize((16, 16), Image.BOX)) for a in raw[:10]]
    pictures += [np.asarray(Image.fromarray(a).resize((90, 90))) for a in raw[:3]]

    def single(p):
        try:
            return normalize_digit_with_box(ink_map(p))
        except NoInkError as exc:
            return exc

    for p, got in zip(pictures, digit_inputs_with_boxes(pictures)):
        want = single(p)
        if isinstance(want, NoInkError):
            assert isinstance(got, NoInkError)
        else:
            assert np.array_equal(want[0], got[0]) and want[1] == got[1]


def test_quartile_is_numpys_percentile():
    from digitdesk.preprocess import _quartile

    rng = np.random.default_rng(4)
    for n in (1, 2, 3, 4, 5, 8, 9, 1000):
        a = rng.random((6, 6, n)).astype(np.float32)
        assert np.array_equal(_quartile(a), np.percentile(a, 25, axis=2).astype(np.float32))


def _float_path_ink_map(picture):
    """ink_map by its float arithmetic alone (the byte-table path switched off)."""
    import digitdesk.preprocess as pp

    saved = pp._as_codes
    pp._as_codes = lambda gray: None
    try:
        return ink_map(picture)
    finally:
        pp._as_codes = saved


def test_byte_table_ink_map_is_the_float_path_bit_for_bit():
    """8-bit and bilevel pictures (field windows of scans) go through a table of their byte
    values; the ink must be exactly what the float arithmetic gives."""
    from digitdesk.preprocess import _as_codes

    rng = np.random.default_rng(5)
    pictures = []
    for k in range(40):
        h, w = (int(v) for v in rng.integers(48, 220, 2))
        paper = rng.integers(150, 256)
        page = np.clip(paper + rng.normal(0, rng.uniform(0, 12), (h, w)), 0, 255)
        for _ in range(3):
            y, x = rng.integers(0, h - 20), rng.integers(0, w - 30)
            page[y : y + rng.integers(3, 20), x : x + rng.integers(2, 30)] = rng.integers(0, 120)
        u = page.astype(np.uint8)
        pictures += [u, 255 - u, u < 128, (u < 128).astype(np.float32), (u >= 128).astype(np.float32)]
    ramp = (np.linspace(60, 250, 200)[None] + rng.normal(0, 3, (120, 200))).astype(np.uint8)
    ramp[50:60, 20:150] = 0
    pictures.append(ramp)           # uneven paper: the float path's background map
    tabled = 0
    for picture in pictures:
        tabled += _as_codes(picture) is not None
        try:
            expected = _float_path_ink_map(picture)
        except NoInkError:
            with pytest.raises(NoInkError):
                ink_map(picture)
            continue
        got = ink_map(picture)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert tabled == len(pictures)
