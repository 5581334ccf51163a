"""Amounts cut from cheque scans and read as pictures of their own (``--mode number`` on crops):
what a loose cut catches around the amount (the box, the printed "$", the next field) is left out."""

from __future__ import annotations

import numpy as np
import pytest

from tests.synth import BOX, FORMATS, amount_crop, crop_rect, make_cheque, mnist_available
from tests.synth.crops import scan_point

pytestmark = pytest.mark.skipif(not mnist_available(), reason="shared MNIST data not found (../shared/data/mnist.npz)")

SEEDS = range(7000, 7040)


def test_a_crop_holds_the_whole_amount_and_the_box_place_moves_with_the_scan():
    for seed in range(7000, 7012):
        c = make_cheque(seed)
        left, top, right, bottom = crop_rect(c, np.random.default_rng(seed))
        for x, y, w, h in c.amount_boxes:
            for px, py in ((x, y), (x + w, y + h)):
                sx, sy = scan_point(c, px, py)
                assert left <= sx <= right and top <= sy <= bottom
        # The scan's offset moves the box's corner by the offset, give or take the turn.
        sx, sy = scan_point(c, BOX[0], BOX[1])
        assert abs(sx - BOX[0] - c.offset_px[0]) < 25 and abs(sy - BOX[1] - c.offset_px[1]) < 25


def test_crops_read_as_numbers_without_what_the_cut_caught():
    from digitdesk.recognize import read
    from tests.helpers import need_model

    model = need_model()
    right, longer = 0, []
    for i, seed in enumerate(SEEDS):
        c = make_cheque(seed)
        fmt = FORMATS[i % len(FORMATS)]
        picture = np.asarray(amount_crop(c, fmt, np.random.default_rng(seed)).convert("L"), dtype=np.float32) / 255
        text = read(picture, model, "number").text
        right += text == c.amount
        if len(text) > len(c.amount) and text.endswith(c.amount):
            longer.append((seed, c.amount, text))     # a "$" or a box side read as a digit
    assert longer == []
    assert right >= 0.9 * len(SEEDS)
