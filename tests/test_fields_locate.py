"""Field location: the field's own ink on shifted and turned pages, nothing from around it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from digitdesk.field_locate import field_region, locate_field
from digitdesk.fields import Field
from digitdesk.preprocess import NoInkError
from tests.synth import amount_field_fractions, make_cheque, mnist_available

W, H = 1000, 500
FIELD = Field("amount", 0.5, 0.4, 0.3, 0.2, "number")      # pixels 500..800 x 200..300


def blob(page, x, y, w=14, h=40):
    """A digit-sized piece of ink: a thick bar with a foot (one component)."""
    page[y : y + h, x : x + 5] = 0.1
    page[y + h - 5 : y + h, x : x + w] = 0.1


def form_page(box=True):
    page = np.full((H, W), 0.93, dtype=np.float32)
    if box:
        page[206:209, 506:794] = 0.2        # the box the field was drawn around
        page[291:294, 506:794] = 0.2
        page[206:294, 506:509] = 0.2
        page[206:294, 791:794] = 0.2
    blob(page, 560, 230)
    blob(page, 620, 232)
    blob(page, 780, 228, w=30)               # crosses the field's right edge (x = 800)
    blob(page, 470, 230)                     # printed "$" just left of the field
    blob(page, 600, 150, h=40)               # a date just above it
    blob(page, 640, 330, h=40)               # MICR just below it
    return page


def turned(page, degrees, dx, dy):
    img = Image.fromarray(page, mode="F")
    return np.asarray(img.rotate(degrees, resample=Image.BILINEAR, translate=(dx, dy), fillcolor=0.93))


def components(ink):
    return ndimage.label(ink > 0.3, structure=np.ones((3, 3)))[1]


@pytest.mark.parametrize("box", [True, False])
def test_keeps_the_field_ink_whole_and_nothing_around_it(box):
    found = locate_field(form_page(box), FIELD)
    assert components(found.ink) == 3
    x0, y0 = found.origin
    cols = np.flatnonzero((found.ink > 0.3).any(axis=0)) + x0
    rows = np.flatnonzero((found.ink > 0.3).any(axis=1)) + y0
    assert cols.min() >= 555 and cols.max() >= 808         # the edge-crossing digit is whole
    assert rows.min() >= 225 and rows.max() <= 275          # no date, no MICR, no box rules


def test_an_underline_below_the_field_keeps_digits_that_cross_it():
    """A page shifted down (2 %) puts the underline below the template's field; the writing
    rests on it and one digit crosses it (which breaks the line where the stroke is put back)."""
    page = np.full((H, W), 0.93, dtype=np.float32)
    page[309:312, 506:794] = 0.2             # the underline, 10 px below the field's bottom
    blob(page, 560, 268)                     # resting on the line
    blob(page, 620, 269)
    blob(page, 700, 285)                     # crossing it: its centre is below the field
    blob(page, 640, 372)                     # MICR well below
    found = locate_field(page, FIELD)
    assert found.snapped
    assert components(found.ink) == 3
    rows = np.flatnonzero((found.ink > 0.3).any(axis=1)) + found.origin[1]
    assert rows.max() == 324                 # the crossing digit whole, no MICR


def test_a_field_snapped_to_an_underline_reaches_below_it():
    from digitdesk.field_locate import BELOW_UNDERLINE, _snap

    removed = np.zeros((200, 400), dtype=bool)
    removed[150:153, 20:380] = True          # an underline...
    removed[150:153, 200:206] = False        # ...where a stroke crossing it was put back
    rect, snapped = _snap(removed, (10, 40, 380, 100))
    assert snapped
    assert rect == (10, 40, 380, 154 + int(BELOW_UNDERLINE * 100) - 40)   # lines are found a row thicker
    high = _snap(removed, (10, 90, 380, 100))[0]     # the line well inside: the field as drawn
    assert high == (10, 90, 380, 100)


@pytest.mark.parametrize("degrees,dx,dy", [(2.0, 20, 10), (-2.0, -20, -10), (1.5, -20, 10), (-1.0, 20, -10)])
def test_skewed_and_shifted_pages(degrees, dx, dy):
    straight = locate_field(form_page(), FIELD)
    found = locate_field(turned(form_page(), degrees, dx, dy), FIELD)
    assert found.angle_deg == pytest.approx(degrees, abs=0.3)
    assert found.snapped
    assert components(found.ink) == 3
    assert (found.ink > 0.3).sum() == pytest.approx((straight.ink > 0.3).sum(), rel=0.2)


@pytest.mark.parametrize("degrees", [1.9, -1.8, 1.2])
def test_a_one_pixel_box_on_a_bitonal_skewed_scan_is_found_and_taken_out(degrees):
    # A bitonal (G4) scan draws a thin box one pixel thick, stepping from row to row when the
    # page is turned: its skew must still be found, or the box's sides stay in the field.
    page = np.full((H, W), 0.93, dtype=np.float32)
    page[207, 506:794] = page[292, 506:794] = 0.2
    page[207:293, 506] = page[207:293, 793] = 0.2
    blob(page, 560, 230)
    blob(page, 620, 232)
    img = Image.fromarray(page, mode="F").rotate(degrees, resample=Image.NEAREST, fillcolor=0.93)
    bitonal = np.where(np.asarray(img) < 0.5, 0.0, 1.0).astype(np.float32)
    found = locate_field(bitonal, FIELD)
    assert found.angle_deg == pytest.approx(degrees, abs=0.3)
    assert components(found.ink) == 2


def crop_picture(box=True, dollar_gap=40):
    """A loosely cut amount: two digits in a box (or on bare paper), the printed "$" beside it
    cut by the picture's left edge ``dollar_gap`` pixels from the box's ink."""
    pic = np.full((130, 420), 0.93, dtype=np.float32)
    if box:
        pic[20:23, 30:400] = pic[105:108, 30:400] = 0.2
        pic[20:108, 30:33] = pic[20:108, 397:400] = 0.2
    blob(pic, 90, 40)
    blob(pic, 150, 42)
    pic[50:80, 0 : 90 - dollar_gap] = 0.15          # the "$", its left part cut off
    return pic


@pytest.mark.parametrize("degrees", [0.0, 1.5, -2.0])
def test_a_crop_keeps_the_ink_in_its_box_and_leaves_what_is_outside(degrees):
    from digitdesk.field_locate import locate_in_picture
    from digitdesk.preprocess import ink_map

    img = Image.fromarray(crop_picture(), mode="F").rotate(degrees, resample=Image.BILINEAR, fillcolor=0.93)
    found = locate_in_picture(ink_map(np.asarray(img)))
    assert found is not None and found.snapped
    assert found.angle_deg == pytest.approx(degrees, abs=0.3)
    assert components(found.ink) == 2                 # the digits, without the "$" or the box


def test_a_crop_without_a_box_leaves_out_a_cut_piece_only_when_it_stands_apart():
    from digitdesk.field_locate import locate_in_picture
    from digitdesk.preprocess import ink_map

    found = locate_in_picture(ink_map(crop_picture(box=False, dollar_gap=40)))
    assert found is not None and not found.snapped and components(found.ink) == 2
    # A first digit the cut touches, written close to the next, is part of the amount.
    assert locate_in_picture(ink_map(crop_picture(box=False, dollar_gap=8))) is None


def test_an_empty_box_is_no_ink_not_a_zero():
    from digitdesk.model import DigitModel
    from digitdesk.recognize import read

    empty = crop_picture()
    empty[24:104, 34:396] = 0.93                      # the digits rubbed out: a box and the "$"
    for mode in ("number", "auto"):
        with pytest.raises(NoInkError):
            read(empty, DigitModel.__new__(DigitModel), mode)   # raised before any model call


def test_a_digit_picture_holds_no_box():
    from digitdesk.field_locate import locate_in_picture

    seven = np.zeros((28, 28), dtype=np.float32)
    seven[4:7, 2:26] = 1.0                            # a bar the picture's width: no ruled line
    seven[7:25, 18:21] = 1.0
    assert locate_in_picture(seven) is None


@pytest.mark.parametrize("degrees", [2.0, -1.5])
def test_turn_by_shears_is_a_rotation_within_a_pixel_and_keeps_ink_values(degrees):
    from digitdesk.field_locate import _turn

    box = np.zeros((120, 300), dtype=np.float32)
    box[20:23, 10:290] = box[96:99, 10:290] = 0.8            # rules and sides of a box
    box[20:99, 10:13] = box[20:99, 287:290] = 0.8
    bilinear = np.asarray(Image.fromarray(box, mode="F").rotate(degrees, resample=Image.BILINEAR))
    shorn = _turn(box, np.radians(degrees))
    assert set(np.unique(shorn).tolist()) <= {0.0, np.float32(0.8)}        # no blur
    assert (shorn > 0).sum() == pytest.approx((box > 0).sum(), rel=0.02)
    near = ndimage.binary_dilation(bilinear > 0.4, iterations=1)
    assert (near[shorn > 0]).mean() > 0.99                  # where the rotation puts the ink
    # ...and turning back straightens it: the top rule lies within its rows again.
    back = _turn(shorn, -np.radians(degrees))
    assert (back[17:26, 40:260] > 0).any(axis=0).all() and not (back[26:60, 40:260] > 0).any()


def test_field_region_is_dark_ink_on_white_with_its_page_corner():
    region, (x, y) = field_region(form_page(), FIELD)
    assert region.dtype == np.float32 and region.max() <= 1.0
    assert np.median(region) > 0.9 and region.min() < 0.3
    assert 500 <= x <= 570 and 200 <= y <= 240


def test_empty_field_is_no_ink():
    page = np.full((H, W), 0.93, dtype=np.float32)
    page[206:209, 506:794] = 0.2
    page[291:294, 506:794] = 0.2
    with pytest.raises(NoInkError):
        locate_field(page, FIELD)


@pytest.mark.skipif(not mnist_available(), reason="shared MNIST data not found")
def test_cheque_amount_located_on_skewed_scans():
    field = Field("amount", *amount_field_fractions(), mode="number")
    for seed in (40, 41):
        c = make_cheque(seed, box_style="box")
        straight = make_cheque(seed, skew=False, box_style="box")
        found = locate_field(c.image, field)
        ref = locate_field(straight.image, field)
        assert found.angle_deg == pytest.approx(c.skew_deg, abs=0.35)
        assert (found.ink > 0.3).sum() == pytest.approx((ref.ink > 0.3).sum(), rel=0.15)
        assert found.ink.shape[0] < 0.3 * c.image.shape[0]


@pytest.mark.skipif(not mnist_available(), reason="shared MNIST data not found")
def test_read_field_reads_amounts_on_skewed_scans_with_boxes_on_the_page():
    from digitdesk.field_locate import read_field
    from tests.helpers import need_model

    model = need_model()
    field = Field("amount", *amount_field_fractions(), mode="number")
    right = 0
    seeds = range(60, 72)
    for seed in seeds:
        c = make_cheque(seed)
        r = read_field(c.image, field, model)
        right += r.text == c.amount
        fx, fy, fw, fh = field.pixels(c.image.shape[1], c.image.shape[0])
        for b in r.boxes:   # on the page, near the field
            assert fx - 60 <= b.x <= fx + fw + 60 and fy - 40 <= b.y <= fy + fh + 40
    from tests.test_numbers import expected

    assert right >= expected(0.8, 0.55) * len(seeds)


@pytest.mark.skipif(not mnist_available(), reason="shared MNIST data not found")
def test_located_pieces_are_the_labels_of_the_field_ink():
    """Number reading takes the field's pieces from field location instead of labelling the
    ink again: they must be exactly what labelling would give, numbers and order included."""
    field = Field("amount", *amount_field_fractions(), mode="number")
    for seed in range(80, 92):      # boxes, underlines, none; skewed and straight
        found = locate_field(make_cheque(seed).image, field)
        labels, boxes = found.pieces
        want, n = ndimage.label(found.ink > 0.3, structure=np.ones((3, 3)))
        assert np.array_equal(labels, want)
        assert boxes == ndimage.find_objects(want)


@pytest.mark.parametrize("degrees", [0.0, 1.8])
@pytest.mark.parametrize("box", [True, False])
def test_located_pieces_on_a_form(box, degrees):
    found = locate_field(turned(form_page(box), degrees, 6, -4), FIELD)
    labels, boxes = found.pieces
    want, n = ndimage.label(found.ink > 0.3, structure=np.ones((3, 3)))
    assert n >= 2 and np.array_equal(labels, want)
    assert boxes == ndimage.find_objects(want)
