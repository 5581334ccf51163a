"""Turn any picture of a digit into the model's 28x28 input: the one path for every entry point.

The canvas, dropped images, batch files, the CLI and training's augmentation all call
:func:`to_model_input`, so the model sees at run time exactly what it was trained on.

Two stages:

* :func:`ink_map` turns a grey picture (any polarity, grey or textured paper, uneven light)
  into white ink on a black, noise-free background, values in [0, 1].
* :func:`normalize_digit` does MNIST's own normalisation on that ink: drop specks, crop to the
  ink, even out the stroke width, fit into 20x20 keeping the aspect ratio, and move the centre of
  mass to the centre of the 28x28 field (MNIST's centre of mass sits at index (14, 14)).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from . import components
from .contract import BOX, SIDE


class NoInkError(ValueError):
    """The picture holds no ink that could be a digit (a blank page, one stray pixel)."""

    def __init__(self, message: str = "no digit found: the image has no ink"):
        super().__init__(message)


# Contrast between paper and ink below which a picture is called blank (fraction of full range).
MIN_CONTRAST = 0.12
# Ink components smaller than this fraction of the largest are specks unless they sit by the digit.
SPECK_FRACTION = 0.10
# Stroke width, in pixels of the 28x28 field, below which strokes are thickened (MNIST's ~2.5).
MIN_STROKE = 1.6
TARGET_STROKE = 2.2
# MNIST's centre of mass, in array indices of the 28x28 field.
CENTRE = 14.0


def as_float_gray(gray: np.ndarray) -> np.ndarray:
    """A 2-D array of any numeric dtype as float32 in [0, 1] (integers scaled by their range)."""
    g = np.asarray(gray)
    if g.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {g.shape}")
    if g.dtype == bool:
        return g.astype(np.float32)
    if np.issubdtype(g.dtype, np.integer):
        return g.astype(np.float32) / float(np.iinfo(g.dtype).max)
    g = g.astype(np.float32, copy=False)
    if g.size and (g.min() < 0.0 or g.max() > 1.0):
        lo, hi = float(g.min()), float(g.max())
        g = (g - lo) / (hi - lo) if hi > lo else np.zeros_like(g)
    return g


def _border(g: np.ndarray) -> np.ndarray:
    return np.concatenate((g[0], g[-1], g[1:-1, 0], g[1:-1, -1]))


def _median(a: np.ndarray) -> float:
    """Median of a 1-D array; np.median's overhead dominates on the small arrays used here."""
    k = a.size // 2
    part = np.partition(a, (k - 1, k) if a.size % 2 == 0 and k else k)
    return float(part[k] if a.size % 2 else (part[k - 1] + part[k]) / 2)


def _background_map(g: np.ndarray) -> np.ndarray | float:
    """Paper level of an ink-bright picture: one number, or a smooth map under uneven lighting.

    A low percentile over a coarse grid of blocks follows shading and gradients but not the
    strokes, which cover a minority of each block. Every other pixel each way is plenty for a
    percentile of thousands (and a quarter of the work: this is a field's costliest step).
    """
    h, w = g.shape
    if min(h, w) < 48:
        return _median(_border(g))
    levels = _paper_levels(g[::2, ::2])
    if isinstance(levels, float):
        return levels
    return np.asarray(
        Image.fromarray(levels, mode="F").resize((w, h), Image.BILINEAR), dtype=np.float32
    )


_GRID = 6


def _blocks(sample: np.ndarray) -> np.ndarray:
    """The sample cut into _GRID x _GRID blocks: (block row, block column, row, column)."""
    bh, bw = sample.shape[0] // _GRID, sample.shape[1] // _GRID
    return sample[: bh * _GRID, : bw * _GRID].reshape(_GRID, bh, _GRID, bw)


def _paper_levels(sample: np.ndarray) -> np.ndarray | float:
    """:func:`_background_map`'s paper level from its sample (every other pixel each way): one
    number when the blocks agree, else the grid of block levels to be spread over the picture."""
    blocks = _blocks(sample).transpose(0, 2, 1, 3)
    return _flat_or_grid(_quartile(blocks.reshape(_GRID, _GRID, -1)).astype(np.float32))


def _flat_or_grid(levels: np.ndarray) -> np.ndarray | float:
    if float(levels.max() - levels.min()) < 0.08:
        return _median(levels.ravel())
    return components.min_filter_2(levels)


def _quartile(a: np.ndarray) -> np.ndarray:
    """``np.percentile(a, 25, axis=-1)`` (linear method, same numbers) without its overhead."""
    lo, hi, t = _quartile_ranks(a.shape[-1])
    part = np.partition(a, (lo, hi) if hi > lo else lo, axis=-1)
    return _between_ranks(part[..., lo], part[..., hi], t)


def _quartile_ranks(n: int) -> tuple[int, int, float]:
    """The ranks :func:`_quartile` of ``n`` values interpolates between, and how far."""
    pos = 0.25 * (n - 1)
    lo = int(pos)
    return lo, min(lo + 1, n - 1), pos - lo


def _between_ranks(below: np.ndarray, above: np.ndarray, t: float) -> np.ndarray:
    diff = above - below
    # numpy's interpolation: from the nearer end, so the result never leaves [below, above].
    return above - diff * (1 - t) if t >= 0.5 else below + diff * t


def _robust_peak(g: np.ndarray) -> float:
    """Ink level: the brightest value that a pixel shares with a neighbour (ignores hot pixels)."""
    if g.shape[0] < 2 or g.shape[1] < 2:
        return float(g.max())
    m = np.minimum(np.minimum(g[:-1, :-1], g[1:, :-1]), np.minimum(g[:-1, 1:], g[1:, 1:]))
    return float(m.max())


def ink_map(gray: np.ndarray) -> np.ndarray:
    """White ink on black in [0, 1], whatever the polarity, paper and lighting of ``gray``.

    Raises :class:`NoInkError` when paper and ink cannot be told apart (a blank picture).
    """
    if _is_small(np.shape(gray)):  # one paper level: the batch's own arithmetic
        inks, ok = _ink_maps_small(_stack([np.asarray(gray)]))
        if not ok[0]:
            raise NoInkError()
        return inks[0]
    coded = _as_codes(gray)
    if coded is not None:
        ink = _ink_map_by_table(*coded)
        if ink is not None:
            return ink
    g = as_float_gray(gray)
    if g.size == 0:
        raise NoInkError("no digit found: the image is empty")
    lo, hi = float(g.min()), float(g.max())
    if hi - lo < MIN_CONTRAST:
        raise NoInkError()
    # Paper is what the border mostly shows; if it is the lighter side, the ink is dark.
    if _median(_border(g)) > (lo + hi) / 2:
        g = 1.0 - g
    g = g - _background_map(g)
    peak = _robust_peak(g)
    if peak < MIN_CONTRAST:
        raise NoInkError()
    g = g / peak
    # Noise floor from the spread of the paper on the border (texture, scanner grain).
    border = _border(g)
    centre = _median(border)
    mad = _median(np.abs(border - centre))
    floor = min(max(0.12, centre + 4.0 * 1.4826 * mad), 0.5)
    g = (g - floor) / (1.0 - floor)
    np.clip(g, 0.0, 1.0, out=g)
    return g


_BYTE_VALUES = np.arange(256, dtype=np.float32) / float(255)     # as_float_gray's for uint8
_BILEVEL_VALUES = np.array([0.0, 1.0], dtype=np.float32)


def _as_codes(gray) -> tuple[np.ndarray, np.ndarray] | None:
    """A big picture as bytes and the grey value (:func:`as_float_gray`) of each byte, rising:
    8-bit pictures, and bilevel ones (bool, or float32 of 0 and 1 only: G4 TIFF pages). None
    for others."""
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or min(gray.shape) < 48:
        return None
    if gray.dtype == np.uint8:
        return gray, _BYTE_VALUES
    if gray.dtype == bool:
        return gray.view(np.uint8), _BILEVEL_VALUES
    if gray.dtype == np.float32 and gray.min() == 0.0 and gray.max() == 1.0:
        ones = gray == 1.0
        if np.count_nonzero(ones) + np.count_nonzero(gray == 0.0) == gray.size:
            return ones.view(np.uint8), _BILEVEL_VALUES
    return None


def _ink_map_by_table(u: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    """:func:`ink_map` of a picture coded as bytes ``u`` of grey values ``t[u]`` (rising), bit
    for bit, when its paper is one level (None when it needs a background map).

    Every step is then a function of the pixel's byte alone (each float32 operation is done
    on the table in the same order), and the levels that steer them (extremes, border
    medians, the robust peak) are found on the bytes through the table: minima and maxima
    commute with a monotone map. A field window costs a table look-up per pixel instead of a
    dozen float passes.
    """
    lo, hi = float(t[u.min()]), float(t[u.max()])
    if hi - lo < MIN_CONTRAST:
        raise NoInkError()
    edge = _border(u)
    flip = _median(t[edge]) > (lo + hi) / 2
    if flip:
        t = 1.0 - t
    paper = _flat_or_grid(_byte_quartiles(_blocks(u[::2, ::2]), t, flip))
    if not isinstance(paper, float):
        return None
    t = t - paper
    # _robust_peak: the largest 2x2 minimum of the ink, which is bright where the bytes are
    # high, or low when the picture was flipped.
    a, b, c, d = u[:-1, :-1], u[1:, :-1], u[:-1, 1:], u[1:, 1:]
    if flip:
        peak = float(t[np.maximum(np.maximum(a, b), np.maximum(c, d)).min()])
    else:
        peak = float(t[np.minimum(np.minimum(a, b), np.minimum(c, d)).max()])
    if peak < MIN_CONTRAST:
        raise NoInkError()
    t = t / peak
    border = t[edge]
    centre = _median(border)
    mad = _median(np.abs(border - centre))
    floor = min(max(0.12, centre + 4.0 * 1.4826 * mad), 0.5)
    t = (t - floor) / (1.0 - floor)
    np.clip(t, 0.0, 1.0, out=t)
    return np.take(t, u, mode="clip")


def _byte_quartiles(blocks: np.ndarray, t: np.ndarray, falling: bool) -> np.ndarray:
    """:func:`_quartile` of each block of ``t[blocks]`` (bytes through a monotone table, falling
    or not), the ranks read off the bytes sorted by numpy's radix sort (``kind="stable"`` on
    bytes): a fifth of the cost of partitioning the values."""
    g, bh, _, bw = blocks.shape
    lo, hi, frac = _quartile_ranks(bh * bw)
    if falling:     # the k-th smallest value is the table's at the k-th largest byte
        lo, hi = bh * bw - 1 - lo, bh * bw - 1 - hi
    ranked = np.sort(blocks.transpose(0, 2, 1, 3).reshape(g, g, -1), axis=-1, kind="stable")
    return _between_ranks(t[ranked[..., lo]], t[ranked[..., hi]], frac)


def _medians(rows: np.ndarray) -> np.ndarray:
    """The median of each row of a 2-D array, as float64 (the mean of the middle two for an
    even count, as :func:`_median` and numpy take it)."""
    n = rows.shape[1]
    k = n // 2
    if n % 2:
        return np.partition(rows, k, axis=1)[:, k].astype(np.float64)
    part = np.partition(rows, (k - 1, k), axis=1)
    return (part[:, k - 1].astype(np.float64) + part[:, k]) / 2


def _ink_maps_small(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ink_map` of each picture of a stack of same-sized small pictures, at once.

    ``stack`` is uint8 (0..255) or float32 in [0, 1]. Every step of :func:`ink_map` (flip dark
    ink to bright, subtract the paper level, scale by the ink level, cut the noise floor) is an
    increasing affine map of each picture's pixels, so all their levels are found on the pixels
    as stored (8-bit, a byte per pixel) and the ink map is made in one multiply-add: this is
    the batch's costliest step per file, and the canvas's. Returns the ink maps (float32) and a
    mask of the pictures that had ink (the others would raise :class:`NoInkError`).
    Only for pictures whose sides are all >= 3 and whose shorter side is < 48 (one paper level).
    """
    x = stack
    top = 255 if x.dtype == np.uint8 else 1.0
    unit = 1.0 / top
    lo = x.min(axis=(1, 2)).astype(np.float64) * unit
    hi = x.max(axis=(1, 2)).astype(np.float64) * unit
    ok = (hi - lo) >= MIN_CONTRAST

    def border(a: np.ndarray) -> np.ndarray:
        return np.concatenate((a[:, 0], a[:, -1], a[:, 1:-1, 0], a[:, 1:-1, -1]), axis=1)

    # Paper is what the border mostly shows; if it is the lighter side, the ink is dark: flip.
    invert = _medians(border(x)) * unit > (lo + hi) / 2
    if invert.any():
        x = np.where(invert[:, None, None], x.dtype.type(top) - x, x)
    edge = border(x)
    paper = _medians(edge) * unit
    # Ink level: the brightest value a pixel shares with its neighbours (ignores hot pixels).
    shared = np.minimum(np.minimum(x[:, :-1, :-1], x[:, 1:, :-1]), np.minimum(x[:, :-1, 1:], x[:, 1:, 1:]))
    peak = shared.max(axis=(1, 2)).astype(np.float64) * unit - paper
    ok &= peak >= MIN_CONTRAST
    peak[~ok] = 1.0
    # Noise floor from the spread of the paper on the border (texture, scanner grain); the
    # border's own median is the paper level, so its centre is 0 after the subtraction.
    mad = _medians(np.abs(edge * unit - paper[:, None])) / peak
    floor = np.minimum(np.maximum(0.12, 4.0 * 1.4826 * mad), 0.5)
    # ink = (x * unit - paper) / peak, then (ink - floor) / (1 - floor), clipped to [0, 1].
    gain = unit / (peak * (1.0 - floor))
    offset = -(paper / peak + floor) / (1.0 - floor)
    g = x.astype(np.float32)
    g *= gain.astype(np.float32)[:, None, None]
    g += offset.astype(np.float32)[:, None, None]
    np.clip(g, 0.0, 1.0, out=g)
    return g, ok


def _single_component(stack: np.ndarray) -> np.ndarray:
    """For each ink map of a stack: does its ink form exactly one 8-connected component?"""
    return components.component_counts(stack > 0.3) == 1


def _keep_digit_components(ink: np.ndarray, single: bool = False) -> np.ndarray:
    """Zero out specks: small ink components away from the digit's main strokes."""
    if single:
        return ink
    kept, inked = _drop_specks(ink[None])
    if not inked[0]:
        raise NoInkError()
    return kept[0]


def _drop_specks(inks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_keep_digit_components` of each ink map of a stack [n, h, w], and which had ink.

    A piece of ink is part of the digit if it is big (at least SPECK_FRACTION of the picture's
    largest) or its centre lies in the box around the big pieces, widened by a tenth: a 5's
    detached bar, an i-dot of a 7. The rest, and their 1-pixel halo, become paper.
    """
    n, h, w = inks.shape
    mask = inks > 0.3
    r = components.runs(mask)
    count = components.component_counts(mask, r)
    if count.max(initial=0) <= 1:  # no picture in several pieces: nothing to drop
        return inks, count > 0
    p = components.pieces(mask, r)
    pic = p.picture
    largest = np.zeros(n, dtype=np.int64)
    np.maximum.at(largest, pic, p.area)
    big = p.area >= SPECK_FRACTION * largest[pic]
    y0, x0 = np.full(n, h, dtype=np.int64), np.full(n, w, dtype=np.int64)
    y1, x1 = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    np.minimum.at(y0, pic[big], p.y0[big])
    np.maximum.at(y1, pic[big], p.y1[big])
    np.minimum.at(x0, pic[big], p.x0[big])
    np.maximum.at(x1, pic[big], p.x1[big])
    pad = 0.1 * np.maximum(y1 - y0, x1 - x0)
    cy, cx = (p.y0 + p.y1) / 2, (p.x0 + p.x1) / 2
    keep = big | ((y0 - pad)[pic] <= cy) & (cy <= (y1 + pad)[pic]) & ((x0 - pad)[pic] <= cx) & (cx <= (x1 + pad)[pic])
    cleaned = inks
    # The pictures that lose a piece, in order (np.unique would import numpy.ma, ~20 ms, in
    # every batch worker's first chunk).
    dropped = np.flatnonzero(np.bincount(pic[~keep], minlength=n))
    if len(dropped):
        halo = components.dilate(components.paint(p.runs, keep, (n, h, w))[dropped])
        cleaned = inks.copy()
        cleaned[dropped] = np.where(halo, inks[dropped], 0.0)
    return cleaned, count > 0


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in pixels: ink area over half the count of its edge pixels."""
    area = int(mask.sum())
    if area == 0:
        return 0.0
    inner = components.erode(mask)
    edge = area - int(inner.sum())
    return 2.0 * area / max(edge, 1)


def normalize_digit(ink: np.ndarray) -> np.ndarray:
    """MNIST normalisation of a white-on-black ink map: a float32 (28, 28) array in [0, 1]."""
    return normalize_digit_with_box(ink)[0]


def normalize_digit_with_box(
    ink: np.ndarray, single_component: bool = False
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Like :func:`normalize_digit`, also giving the ink's box (x, y, w, h) in ``ink``'s pixels.

    ``single_component`` says the caller already knows the ink is one piece (no specks to drop).
    """
    ink = _keep_digit_components(np.asarray(ink, dtype=np.float32), single_component)
    rows = np.flatnonzero(ink.max(axis=1) > 0.3)
    cols = np.flatnonzero(ink.max(axis=0) > 0.3)
    if rows.size == 0:
        raise NoInkError()
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    box = (int(cols[0]), int(rows[0]), int(w), int(h))
    if h * w < 3 and crop.sum() < 3:
        raise NoInkError("no digit found: only a speck of ink")
    scale = BOX / max(h, w)
    # Thin strokes (a fine pen on a big canvas, 1-pixel scans) are thickened before scaling.
    # The width estimate is never below 2, so only shrinking by more than MIN_STROKE / 2 can
    # make strokes too thin: skip the estimate otherwise (it is a third of the cost here).
    width = _stroke_width(crop > 0.3) if scale < MIN_STROKE / 2 else 2.0
    if width * scale < MIN_STROKE:
        grow = int(round(TARGET_STROKE / scale - width))
        if grow >= 1:
            pad = (grow + 1) // 2
            crop = components.max_filter(np.pad(crop, pad), grow + 1)
            h, w = crop.shape
            scale = BOX / max(h, w)
    out, _ = _fit_and_centre(crop[None], np.array([[0, h, 0, w]]))
    return out[0], box


@lru_cache(maxsize=4096)
def _resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Pillow's resampling of one axis as a matrix [n_out, n_in] (float64).

    The same coefficients as ``Image.resize`` (BOX when shrinking, BILINEAR otherwise; identity
    when the size stays), so a whole stack of crops can be resized with two matrix products.
    """
    m = np.zeros((n_out, n_in))
    scale = n_in / n_out
    if n_in == n_out:
        np.fill_diagonal(m, 1.0)
        return m
    box = scale > 1  # shrinking
    filterscale = max(scale, 1.0)
    support = (0.5 if box else 1.0) * filterscale
    for xx in range(n_out):
        center = (xx + 0.5) * scale
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        x = (np.arange(lo, hi) - center + 0.5) / filterscale
        w = ((x > -0.5) & (x <= 0.5)).astype(float) if box else np.maximum(0.0, 1.0 - np.abs(x))
        total = w.sum()
        m[xx, lo:hi] = w / total if total else w
    return m


_POSITIONS = np.arange(BOX, dtype=np.float64)


def _fit_and_centre(inks: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale each stack item's ink box (rows r0:r1, cols c0:c1) to fit 20x20 keeping its aspect
    ratio, and place it in 28x28 with its centre of mass at MNIST's centre, by whole pixels as
    MNIST did, keeping all ink inside. Returns the images and a mask of those that had ink.

    The resampling is two stacked matrix products, so one code path serves a single picture and
    a whole stack (the arithmetic per item is the same either way): batches and the canvas see
    the very same inputs. A stack of small pictures gathers its matrices from a table; any
    other writes them item by item (the same float32 numbers either way).
    """
    n, height, width = inks.shape
    r0, r1, c0, c1 = np.asarray(boxes, dtype=np.int64).reshape(-1, 4).T
    h, w = r1 - r0, c1 - c0
    scale = BOX / np.maximum(h, w)
    nh = np.maximum(np.rint(h * scale), 1).astype(np.int64)  # rint, like round(), halves to even
    nw = np.maximum(np.rint(w * scale), 1).astype(np.int64)
    if n > 1 and max(height, width) <= _TABLE_SIDE:
        rows = _resample_table(height, h, nh, r0).transpose(0, 2, 1)
        cols = _resample_table(width, w, nw, c0)
    else:
        rows = np.zeros((n, BOX, height), dtype=np.float32)
        cols = np.zeros((n, width, BOX), dtype=np.float32)
        for i, (a, b, c, d, e, f) in enumerate(zip(*(v.tolist() for v in (r0, r1, c0, c1, nh, nw)))):
            rows[i, :e, a:b] = _resample_matrix(b - a, e)
            cols[i, c:d, :f] = _resample_matrix(d - c, f).T
    # Horizontal pass, then vertical, as Pillow does.
    fitted = rows @ (inks.astype(np.float32, copy=False) @ cols)
    top_ink = fitted.max(axis=(1, 2))
    has_ink = top_ink > 0
    fitted /= np.where(has_ink, top_ink, 1)[:, None, None]
    np.minimum(fitted, 1.0, out=fitted)  # never below 0: the ink and the weights are not
    row_mass = fitted.sum(axis=2, dtype=np.float64)
    col_mass = fitted.sum(axis=1, dtype=np.float64)
    mass = row_mass.sum(axis=1)
    inked = mass > 0
    safe = np.where(inked, mass, 1.0)
    tops = np.clip(np.rint(CENTRE - (row_mass * _POSITIONS).sum(axis=1) / safe), 0, SIDE - nh).astype(np.int64)
    lefts = np.clip(np.rint(CENTRE - (col_mass * _POSITIONS).sum(axis=1) / safe), 0, SIDE - nw).astype(np.int64)
    out = np.zeros((n, SIDE, SIDE), dtype=np.float32)
    for i, top, left in zip(np.flatnonzero(inked).tolist(), tops[inked].tolist(), lefts[inked].tolist()):
        out[i, top : top + BOX, left : left + BOX] = fitted[i, : SIDE - top, : SIDE - left]
    return out, has_ink


# Stacks of pictures up to this side gather their resampling matrices from a table.
_TABLE_SIDE = 47


def _resample_table(length: int, sizes: np.ndarray, outs: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """float32 [n, length, BOX]: for each item, :func:`_resample_matrix` (sizes -> outs) placed at
    rows starts:starts + sizes of an axis of ``length``, zeros elsewhere; gathered in one go."""
    table, filled = _table(length)
    for size, out in set(zip(sizes[~filled[sizes, outs]].tolist(), outs[~filled[sizes, outs]].tolist())):
        table[size, out, length : length + size, :out] = _resample_matrix(size, out).T
        filled[size, out] = True
    index = length - starts[:, None] + np.arange(length)  # row k of the axis is row k - start
    return table[sizes[:, None], outs[:, None], index]


@lru_cache(maxsize=2)
def _table(length: int) -> tuple[np.ndarray, np.ndarray]:
    """The table behind :func:`_resample_table`, filled as sizes come up: [size, out, length +
    k, :] holds row k of the transposed matrix; rows outside 0 <= k < size are 0."""
    return np.zeros((length + 1, BOX + 1, 2 * length, BOX), dtype=np.float32), np.zeros((length + 1, BOX + 1), bool)


def to_model_input(gray: np.ndarray) -> np.ndarray:
    """The single preprocessing path: any grey picture of one digit -> float32 (28, 28)."""
    return normalize_digit(ink_map(gray))


def _is_small(shape: tuple[int, ...]) -> bool:
    return len(shape) == 2 and min(shape) >= 3 and min(shape) < 48


def digit_inputs_with_boxes(grays: list[np.ndarray]) -> list:
    """:func:`to_model_input` (with the ink box) for many pictures: the same result for each,
    computed a stack at a time for small pictures of equal size. Each item of the list is
    ``(image, (x, y, w, h), one_piece)``, or the :class:`NoInkError` that picture raised;
    ``one_piece`` says whether the ink (before specks were dropped) was one 8-connected piece,
    None where it was not looked at (big pictures).
    """
    out: list = [None] * len(grays)
    groups: dict[tuple[int, int], list[int]] = {}
    small: dict[tuple[int, ...], bool] = {}  # per shape: a batch's pictures share a few
    for i, gray in enumerate(grays):
        shape = np.shape(gray)
        is_small = small.get(shape)
        if is_small is None:
            is_small = small[shape] = _is_small(shape)
        if is_small:
            groups.setdefault(shape, []).append(i)
        else:
            try:
                out[i] = (*normalize_digit_with_box(ink_map(gray)), None)
            except NoInkError as exc:
                out[i] = exc
    for idx in groups.values():
        inks, ok = _ink_maps_small(_stack([grays[i] for i in idx]))
        # Pictures in several pieces lose their specks here, all together; then every picture
        # with ink is one that normalize_digit_with_box would take as it is.
        single = _single_component(inks)
        several = np.flatnonzero(ok & ~single)
        if len(several):
            inks[several] = _drop_specks(inks[several])[0]
        boxes, simple = _simple_boxes(inks, ok)
        easy = np.flatnonzero(simple)
        fitted, inked = _fit_and_centre(inks[easy], boxes[easy])
        r0, r1, c0, c1 = boxes[easy].T
        xywh = zip(c0.tolist(), r0.tolist(), (c1 - c0).tolist(), (r1 - r0).tolist())
        pieces = single.tolist()
        for j, image, has_ink, box in zip(easy.tolist(), fitted, inked.tolist(), xywh):
            out[idx[j]] = (image, box, pieces[j]) if has_ink else NoInkError()
        for j in np.flatnonzero(~simple).tolist():
            try:
                if not ok[j]:
                    raise NoInkError()
                out[idx[j]] = (*normalize_digit_with_box(inks[j], single_component=True), pieces[j])
            except NoInkError as exc:
                out[idx[j]] = exc
    return out


def _stack(grays: list[np.ndarray]) -> np.ndarray:
    """The pictures as one stack for :func:`_ink_maps_small`: uint8 when all are 8-bit, else
    float32 in [0, 1] (:func:`as_float_gray` of each; at once when they are in [0, 1])."""
    kinds = {g.dtype for g in grays}
    if kinds == {np.dtype(np.uint8)}:
        return np.stack(grays)
    if kinds == {np.dtype(np.float32)}:
        stack = np.stack(grays)
        if stack.min() >= 0.0 and stack.max() <= 1.0:
            return stack
    return np.stack([as_float_gray(g) for g in grays])


def _simple_boxes(inks: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ink boxes (r0, r1, c0, c1) of a stack whose specks are dropped, and which pictures need
    nothing but the fit: more than a speck of ink, and not so big that strokes might need
    thickening (exactly the cases in which :func:`normalize_digit_with_box` goes straight on
    to the fit)."""
    mask = inks > 0.3
    rows, cols = mask.any(axis=2), mask.any(axis=1)
    inked = rows.any(axis=1)
    r0 = rows.argmax(axis=1)
    r1 = rows.shape[1] - rows[:, ::-1].argmax(axis=1)
    c0 = cols.argmax(axis=1)
    c1 = cols.shape[1] - cols[:, ::-1].argmax(axis=1)
    h, w = r1 - r0, c1 - c0
    simple = candidates & inked & (h * w >= 3) & (BOX / np.maximum(np.maximum(h, w), 1) >= MIN_STROKE / 2)
    return np.stack([r0, r1, c0, c1], axis=1), simple
