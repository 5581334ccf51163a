"""Loading MNIST and USPS from local files, with the shape and label checks a user needs.

No machine that builds digitdesk has internet access, so every source is a path; only the
no-argument fallback asks Keras to download MNIST.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


class DataError(ValueError):
    """The data given for training is missing, malformed or mislabelled."""


@dataclass
class Mnist:
    x_train: np.ndarray  # (N, 28, 28) uint8, white ink on black
    y_train: np.ndarray  # (N,) int64 in 0..9
    x_test: np.ndarray
    y_test: np.ndarray
    source: str          # what was read, for the model card
    sha256: str          # of the file read, or of the arrays when there is no single file


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_arrays(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def check_images(x: np.ndarray, y: np.ndarray, name: str, side: int | None = 28) -> tuple[np.ndarray, np.ndarray]:
    """Validate one (images, labels) pair; returns them as uint8 and int64."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 3 or (side is not None and x.shape[1:] != (side, side)):
        want = f"(N, {side}, {side})" if side else "(N, H, W)"
        raise DataError(f"{name}: images must have shape {want}, got {x.shape}")
    if x.dtype != np.uint8:
        raise DataError(f"{name}: images must be uint8 (0 = background, 255 = ink), got {x.dtype}")
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise DataError(f"{name}: need one label per image, got {y.shape[0] if y.ndim else 'scalar'} "
                        f"labels for {x.shape[0]} images (labels shape {y.shape})")
    if x.shape[0] == 0:
        raise DataError(f"{name}: no images")
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{name}: labels must be integers, got {y.dtype}")
    bad = (y < 0) | (y > 9)
    if bad.any():
        raise DataError(f"{name}: labels must be digits 0-9; found {sorted(set(y[bad].tolist()))[:5]}")
    return x, y.astype(np.int64)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in IDX_FILES if k not in z.files]
        if missing:
            raise DataError(f"{path}: missing arrays {missing}; an .npz needs x_train, y_train, "
                            f"x_test, y_test (found {z.files})")
        return {k: z[k] for k in IDX_FILES}


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (gzipped or not) as a numpy array."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    if raw[2] != 0x08:
        raise DataError(f"{path}: IDX data type {raw[2]:#x} is not unsigned byte")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(dims))
    if len(raw) - header != count:
        raise DataError(f"{path}: header says {dims} ({count} bytes) but holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _find_idx(folder: Path, stem: str) -> Path:
    # Accept the original names and the common dotted variant (train-images.idx3-ubyte).
    variants = {stem, stem.replace("-idx", ".idx")}
    for name in variants:
        for suffix in ("", ".gz"):
            p = folder / (name + suffix)
            if p.is_file():
                return p
    raise DataError(f"{folder}: no {stem}[.gz] found; a data folder needs the four MNIST IDX files "
                    f"{list(IDX_FILES.values())}")


def _read_idx_folder(folder: Path) -> tuple[dict[str, np.ndarray], str]:
    paths = {k: _find_idx(folder, stem) for k, stem in IDX_FILES.items()}
    h = hashlib.sha256()
    for k in IDX_FILES:
        h.update(sha256_file(paths[k]).encode())
    return {k: read_idx(p) for k, p in paths.items()}, h.hexdigest()


def load_mnist(data: str | Path | None) -> Mnist:
    """MNIST from an .npz, a folder of IDX files, or (``None``) Keras' downloader."""
    if data is None:
        import keras  # only this fallback needs Keras (and the internet)

        (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
        arrays = {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte}
        source = "keras.datasets.mnist.load_data()"
        digest = sha256_arrays(*arrays.values())
    else:
        path = Path(data)
        if path.is_dir():
            arrays, digest = _read_idx_folder(path)
            source = str(path)
        elif path.is_file():
            if path.suffix != ".npz":
                raise DataError(f"{path}: --data must be an .npz or a folder of MNIST IDX files")
            arrays = _read_npz(path)
            digest = sha256_file(path)
            source = path.name
        else:
            raise DataError(f"{path}: no such file or folder")
    xtr, ytr = check_images(arrays["x_train"], arrays["y_train"], "training set")
    xte, yte = check_images(arrays["x_test"], arrays["y_test"], "test set")
    return Mnist(xtr, ytr, xte, yte, source=source, sha256=digest)


def load_usps(path: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
    """USPS digits (x (N,16,16) uint8 white on black, y) and the file's sha256."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as z:
        if "x" not in z.files or "y" not in z.files:
            raise DataError(f"{path}: a USPS .npz needs arrays x and y (found {z.files})")
        x, y = check_images(z["x"], z["y"], f"USPS ({path.name})", side=None)
    return x, y, sha256_file(path)


def split_validation(x: np.ndarray, y: np.ndarray, val_size: int, seed: int):
    """A seeded, class-stratified validation split carved from the training set."""
    if not 0 < val_size < len(x):
        raise DataError(f"--val-size must be between 1 and {len(x) - 1}, got {val_size}")
    rng = np.random.default_rng([seed, 1])
    order = rng.permutation(len(x))
    # Stratify: each class gives its share (largest remainders settle the rounding), so the
    # split mirrors the training mix and holds exactly val_size images.
    counts = np.bincount(y, minlength=10)
    share = val_size * counts / len(x)
    take = np.floor(share).astype(int)
    take[np.argsort(-(share - take), kind="stable")[: val_size - take.sum()]] += 1
    val_idx = np.concatenate([order[y[order] == c][: take[c]] for c in range(10)])
    mask = np.zeros(len(x), dtype=bool)
    mask[val_idx] = True
    return x[~mask], y[~mask], x[mask], y[mask]
