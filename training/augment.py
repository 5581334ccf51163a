"""Augmentation aimed at the digits users bring, applied to the raw picture BEFORE the app's
preprocessing, so that every training input is exactly what ``to_model_input`` produces.

Each raw 28x28 MNIST digit is distorted the way real inputs differ from MNIST: hand and pen
(rotation, shear, aspect, elastic wobble, thicker or thinner strokes), capture (blur, noise,
low contrast, dark ink on light paper) and resolution (16x16 postal scans and bitonal digits,
which the app later scales up). Everything is drawn from a numpy Generator, so a seed fixes it.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image
from scipy import ndimage

from digitdesk.preprocess import NoInkError, to_model_input

# Share of digits left untouched, so clean MNIST-like inputs stay well represented.
P_CLEAN = 0.12
P_AFFINE = 0.85
P_ELASTIC = 0.30
P_THICKNESS = 0.30
P_LOW_RES = 0.25
P_BLUR = 0.15
P_CONTRAST = 0.30
P_NOISE = 0.20
PAD = 6  # room around the 28x28 digit so rotation and shear never cut strokes off


def _resize(g: np.ndarray, h: int, w: int) -> np.ndarray:
    shrink = h < g.shape[0] or w < g.shape[1]
    img = Image.fromarray(np.ascontiguousarray(g, dtype=np.float32), mode="F")
    return np.asarray(img.resize((w, h), Image.BOX if shrink else Image.BILINEAR), dtype=np.float32)


def random_affine(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rotation, shear, aspect and overall scale about the centre (the app re-centres anyway).

    Overall scale matters even though the app refits the ink into 20x20: shrinking a digit
    thickens its strokes relative to its size once refitted, and enlarging thins them.
    """
    angle = math.radians(rng.uniform(-15.0, 15.0))
    shear = rng.uniform(-0.3, 0.3)
    scale = math.exp(rng.uniform(-0.3, 0.15))
    aspect = math.exp(rng.uniform(-0.2, 0.2))
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    shr = np.array([[1.0, shear], [0.0, 1.0]])
    scl = np.diag([scale * aspect, scale / aspect])
    forward = rot @ shr @ scl  # (row, col) coordinates
    inverse = np.linalg.inv(forward)
    centre = (np.array(g.shape) - 1) / 2.0
    shift = rng.uniform(-1.5, 1.5, size=2)
    offset = centre - inverse @ (centre + shift)
    return ndimage.affine_transform(g, inverse, offset=offset, order=1, mode="constant", cval=0.0)


def elastic(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Simard-style elastic distortion: a smooth random displacement field."""
    alpha = rng.uniform(20.0, 40.0)
    sigma = rng.uniform(3.5, 5.0)
    dy = ndimage.gaussian_filter(rng.uniform(-1, 1, g.shape), sigma, mode="constant") * alpha
    dx = ndimage.gaussian_filter(rng.uniform(-1, 1, g.shape), sigma, mode="constant") * alpha
    yy, xx = np.mgrid[0 : g.shape[0], 0 : g.shape[1]]
    return ndimage.map_coordinates(g, (yy + dy, xx + dx), order=1, mode="constant", cval=0.0)


def thickness(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thicker (felt pen, bold scan) or thinner (fine pen) strokes."""
    r = rng.random()
    if r < 0.45:
        return ndimage.grey_dilation(g, size=(2, 2))
    if r < 0.6:
        return ndimage.grey_dilation(g, size=(3, 3))
    thin = ndimage.grey_erosion(g, size=(2, 2))
    # Thin strokes only where the digit survives it in one piece of visible ink.
    return thin if thin.max() > 0.5 and (thin > 0.3).sum() > 0.35 * (g > 0.3).sum() else g


def low_resolution(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit as a 16x16 (or so) scan: postal digits stretched to fill their box, bitonal
    faxes; the app scales it back up, and the model must read the result."""
    rows = np.flatnonzero(g.max(axis=1) > 0.1)
    cols = np.flatnonzero(g.max(axis=0) > 0.1)
    if rows.size == 0:
        return g
    crop = g[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    side = int(rng.integers(12, 17))
    h, w = crop.shape
    if rng.random() < 0.5:
        # USPS fills the whole box, stretching narrow digits wider (but never a 1 into a blob).
        nh, nw = side, max(2, min(side, int(round(w * side / h * rng.uniform(1.0, 2.0)))))
    else:
        f = side / max(h, w)
        nh, nw = max(2, round(h * f)), max(2, round(w * f))
    small = _resize(crop, nh, nw)
    if small.max() > 0:
        small = small / small.max()
    if rng.random() < 0.4:
        small = (small > rng.uniform(0.25, 0.6)).astype(np.float32)
    return np.pad(small, int(rng.integers(0, 3)))


def blur(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return ndimage.gaussian_filter(g, rng.uniform(0.4, 1.0))


def contrast(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey paper, faint ink, and dark ink on light paper (the app detects polarity)."""
    paper = rng.uniform(0.0, 0.35)
    ink = rng.uniform(max(0.5, paper + 0.35), 1.0)
    g = paper + (ink - paper) * g
    return 1.0 - g if rng.random() < 0.5 else g


def noise(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(g + rng.normal(0.0, rng.uniform(0.02, 0.07), g.shape), 0.0, 1.0)


def augment_digit(raw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One randomly distorted version of a raw uint8 digit, as a float picture in [0, 1]
    (any size, any polarity): the input to ``to_model_input``, not its output."""
    g = raw.astype(np.float32) / 255.0
    if rng.random() < P_CLEAN:
        return g
    g = np.pad(g, PAD)
    if rng.random() < P_AFFINE:
        g = random_affine(g, rng)
    if rng.random() < P_ELASTIC:
        g = elastic(g, rng)
    if rng.random() < P_THICKNESS:
        g = thickness(g, rng)
    if rng.random() < P_LOW_RES:
        g = low_resolution(g, rng)
    if rng.random() < P_BLUR:
        g = blur(g, rng)
    g = np.clip(g, 0.0, 1.0)
    if rng.random() < P_CONTRAST:
        g = contrast(g, rng)
    if rng.random() < P_NOISE:
        g = noise(g, rng)
    return g.astype(np.float32)


def preprocess(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The app's preprocessing over a stack of pictures: (N, 28, 28) float32 and an ``ok`` mask
    (False where the app would report "no digit found"; those rows are left black)."""
    out = np.zeros((len(images), 28, 28), dtype=np.float32)
    ok = np.ones(len(images), dtype=bool)
    for i, img in enumerate(images):
        try:
            out[i] = to_model_input(img)
        except NoInkError:
            ok[i] = False
    return out, ok


def augment_and_preprocess(raw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Augmented digits through the app's preprocessing; a distortion that left nothing the
    app would call a digit falls back to the undistorted digit."""
    out = np.empty((len(raw), 28, 28), dtype=np.float32)
    for i, img in enumerate(raw):
        try:
            out[i] = to_model_input(augment_digit(img, rng))
        except NoInkError:
            out[i] = to_model_input(img)
    return out
