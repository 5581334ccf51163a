"""The streaming batch: order, accuracy, junk tolerance, progress, cancel, workers."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from digitdesk import batch
from digitdesk.batch import BatchOptions, run_batch
from tests.helpers import need_mnist, need_model


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """150 MNIST test digits as dark-on-white PNGs, plus junk that must not stop the batch."""
    x, y = need_mnist()
    root = tmp_path_factory.mktemp("digits")
    truth = {}
    for i in range(150):
        name = f"d{i:03d}.png"
        Image.fromarray(255 - x[i]).save(root / name)
        truth[name] = str(y[i])
    (root / "zz_empty.png").write_bytes(b"")
    (root / "zz_text.png").write_text("not an image")
    Image.new("L", (40, 40), 255).save(root / "zz_blank.png")
    return root, truth


def run(folder, **kw):
    need_model()
    return list(run_batch([folder], BatchOptions(mode="digit", **kw)))


def test_reads_a_folder_in_order_and_keeps_going_past_junk(folder):
    root, truth = folder
    results = run(root, workers=2)
    assert [r.file for r in results] == sorted(truth) + ["zz_blank.png", "zz_empty.png", "zz_text.png"]
    correct = sum(r.prediction == truth[r.file] for r in results if r.file in truth)
    assert correct / len(truth) >= 0.97
    errors = {r.file: r.error for r in results if r.status == "error"}
    assert errors["zz_blank.png"].startswith("no digit found")
    assert "empty" in errors["zz_empty.png"] and "not an image" in errors["zz_text.png"]
    for r in results:
        if r.file in truth:
            assert r.status in ("ok", "review") and r.probabilities.shape == (10,)
            assert abs(float(r.probabilities.sum()) - 1) < 1e-3
            assert r.confidence == pytest.approx(float(r.probabilities.max()))


def test_one_worker_and_many_agree(folder):
    root, _ = folder
    a = run(root, workers=1)
    b = run(root, workers=2)
    assert [(r.file, r.prediction, r.status) for r in a] == [(r.file, r.prediction, r.status) for r in b]


def test_review_threshold_decides_status(folder):
    root, _ = folder
    everything = run(root, workers=1, review_below=1.01)
    assert {r.status for r in everything} <= {"review", "error"}
    nothing = run(root, workers=1, review_below=0.0)
    assert {r.status for r in nothing} <= {"ok", "error"}


def test_progress_reaches_the_total(folder):
    root, truth = folder
    need_model()
    seen = []
    list(run_batch([root], BatchOptions(mode="digit", workers=2), progress=seen.append))
    # Told after each chunk (the folder is counted beside the first ones), and at the end.
    assert seen[0].files_done > 0 and seen[0].files_total == len(truth) + 3
    assert seen[-1].files_done == seen[-1].files_total == len(truth) + 3
    assert all(a.files_done <= b.files_done for a, b in zip(seen, seen[1:]))
    assert seen[-1].eta == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_keeps_what_was_read(folder, workers, monkeypatch):
    root, truth = folder
    need_model()
    # Chunks of 8: more than the batch hands out at once (2 per worker + 1), so a cancel after
    # the first leaves chunks unread however fast the workers are (with chunks of 64 all three
    # went out at once, and warm workers could finish them before the cancel was seen).
    monkeypatch.setattr(batch, "_chunk_size", lambda options: 8)
    cancel = threading.Event()

    def stop_after_first_chunk(p):
        if p.files_done:
            cancel.set()

    opts = BatchOptions(mode="digit", workers=workers)
    results = list(run_batch([root], opts, progress=stop_after_first_chunk, cancel=cancel))
    full = run(root, workers=1)
    assert 0 < len(results) < len(full)
    assert [(r.file, r.prediction) for r in results] == [(r.file, r.prediction) for r in full[: len(results)]]


def test_every_page_of_a_tiff_is_a_row(tmp_path):
    x, y = need_mnist()
    pages = [Image.fromarray(255 - x[i]) for i in range(3)]
    pages[0].save(tmp_path / "multi.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    results = run(tmp_path, workers=1)
    assert [(r.file, r.page) for r in results] == [("multi.tif", 1), ("multi.tif", 2), ("multi.tif", 3)]
    assert [r.prediction for r in results] == [str(v) for v in y[:3]]


def test_worker_processes_only_for_more_than_one_chunk(tmp_path):
    """A handful of files is read in this process (no fork server started for nothing)."""
    from digitdesk.batch import uses_workers

    for i in range(520):
        (tmp_path / f"{i:03d}.png").write_bytes(b"")
    digits = BatchOptions(mode="digit", workers=2)
    assert uses_workers([str(tmp_path)], digits)               # 520 files > one chunk of 512
    assert not uses_workers([str(tmp_path / "000.png")], digits)
    assert not uses_workers([str(tmp_path)], BatchOptions(mode="digit", workers=1))
    few = tmp_path / "few"
    few.mkdir()
    for i in range(7):
        (few / f"{i}.png").write_bytes(b"")
    assert not uses_workers([str(few)], digits)                # 7 digit files: one chunk
    assert uses_workers([str(few)], BatchOptions(mode="number", workers=2))  # 7 pages: chunks of 6
    assert not uses_workers([str(few)], BatchOptions(mode="auto", workers=2))  # chunks of 32


def test_auto_mode_batch_reads_each_picture_as_auto_mode_does(folder, tmp_path):
    """Auto batches stack small pictures like digit mode, and read again one by one those that
    are not plainly one digit: the rows must be what auto mode gives each picture alone."""
    from digitdesk.loading import load_gray
    from digitdesk.model import shared_model
    from digitdesk.recognize import read

    root, truth = folder
    x, _ = need_mnist()
    Image.fromarray(255 - np.concatenate([x[0], x[1], x[2]], axis=1)).save(root.parent / "number.png")
    paths = [str(root / n) for n in sorted(truth)[:60]] + [str(root.parent / "number.png"), str(root / "zz_blank.png")]
    need_model()
    rows = list(run_batch(paths, BatchOptions(mode="auto", workers=1)))
    model = shared_model()
    for path, row in zip(paths, rows):
        try:
            alone = read(load_gray(path), model, "auto")
        except Exception:  # noqa: BLE001 - no ink: the row says so
            assert row.status == "error" and "no digit found" in row.error
            continue
        assert row.prediction == alone.text and abs(row.confidence - alone.confidence) < 1e-5
    assert len(rows[-2].prediction) >= 2  # digits side by side: read again, as a number
