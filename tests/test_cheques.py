"""The cheque-scan generator: deterministic, realistic enough, readable in every format it writes."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from digitdesk.fields import load_template
from digitdesk.loading import open_pages
from tests.synth import (
    BOX, FORMATS, HEIGHT, WIDTH, amount_field_fractions, make_cheque, mnist_available,
    random_amount, save_multipage, save_scan, write_cheques,
)

pytestmark = pytest.mark.skipif(not mnist_available(), reason="shared MNIST data not found (../shared/data/mnist.npz)")


def test_same_seed_same_scan_and_different_seeds_differ():
    a, b, c = make_cheque(3), make_cheque(3), make_cheque(4)
    assert a.image.shape == (HEIGHT, WIDTH) and a.image.dtype == np.uint8
    assert np.array_equal(a.image, b.image) and a.amount == b.amount
    assert not np.array_equal(a.image, c.image)


def test_truth_is_the_digits_of_what_was_written():
    rng = np.random.default_rng(0)
    for _ in range(200):
        text, digits = random_amount(rng)
        assert 1 <= len(digits) <= 6 and digits.isdigit() and digits[0] != "0"
        assert "".join(ch for ch in text if ch.isdigit()) == digits
        assert set(text) <= set("0123456789.,-/$")
    c = make_cheque(11, amount_text="$1,250/-")
    assert c.amount == "1250" and c.amount_text == "$1,250/-"


def test_scanner_moves_and_turns_within_limits():
    for seed in range(3):
        c = make_cheque(seed)
        assert abs(c.skew_deg) <= 2.0
        assert abs(c.offset_px[0]) <= 0.02 * WIDTH and abs(c.offset_px[1]) <= 0.02 * HEIGHT
    straight = make_cheque(1, skew=False)
    assert straight.skew_deg == 0.0 and straight.offset_px == (0.0, 0.0)


def test_amount_is_written_inside_the_box_and_the_page_has_distractors():
    c = make_cheque(5, skew=False, box_style="box")
    x0, y0, x1, y1 = BOX
    for bx, by, bw, bh in c.amount_boxes:
        assert x0 <= bx and bx + bw <= x1
    dark = c.image < 128
    assert dark[40:120, 40:600].any()           # bank name
    assert dark[540:620, 100:900].any()         # MICR line
    assert dark[100:170, 1000:1300].any()       # handwritten date
    assert dark[y0 - 2 : y0 + 3, x0:x1].mean() > 0.5   # the box's top rule


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_loads_as_one_grey_page(tmp_path, fmt):
    c = make_cheque(2)
    path = save_scan(c, tmp_path / f"scan_{fmt}", fmt)
    pages = list(open_pages(path))
    assert len(pages) == 1
    g = pages[0].gray
    assert g.shape == (HEIGHT, WIDTH)
    if fmt in ("png", "tiff-lzw"):
        assert np.allclose(g * 255, c.image, atol=0.51)
    elif fmt == "tiff-g4":
        assert set(np.unique(g)) <= {0.0, 1.0}
        assert ((g < 0.5) == (c.image < 110)).mean() > 0.97    # ink stays ink, paper paper
    else:
        assert np.abs(g * 255 - c.image).mean() < 6


def test_multipage_tiff_holds_each_scan_as_a_page(tmp_path):
    cheques = [make_cheque(s) for s in (1, 2, 3)]
    for bitonal in (False, True):
        path = save_multipage(cheques, tmp_path / f"multi_{bitonal}.tif", bitonal=bitonal)
        pages = list(open_pages(path))
        assert [p.page for p in pages] == [1, 2, 3]


def test_write_cheques_folder_has_scans_template_and_truth(tmp_path):
    rows = write_cheques(tmp_path, 4, seed=20, multipage_every=2)
    assert len(rows) == 4 + 4                      # 4 single scans + 2 two-page TIFFs
    template = load_template(tmp_path / "template.json")
    (field,) = template.fields
    assert (field.name, field.mode) == ("amount", "number")
    assert (field.x, field.y, field.w, field.h) == amount_field_fractions()
    with open(tmp_path / "truth.csv", newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert [r["file"] for r in truth] == [r["file"] for r in rows]
    for r in truth:
        assert (tmp_path / r["file"]).is_file() and r["amount"].isdigit()
    assert json.loads((tmp_path / "template.json").read_text())["version"] == 1
    details = json.loads((tmp_path / "truth.json").read_text())
    assert details[rows[0]["file"]]["amount"] == rows[0]["amount"] and "skew_deg" in details[rows[0]["file"]]
