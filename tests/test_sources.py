"""Which files a batch picks up, and how odd entries show up."""

from __future__ import annotations

import os

from digitdesk.sources import count_sources, iter_sources


def touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_walk_picks_images_case_insensitively_in_order(tmp_path):
    for name in ("b.PNG", "a.jpg", "c.TiFf", "notes.txt", ".DS_Store", "d.jpeg"):
        touch(tmp_path / name)
    got = [s.display for s in iter_sources([tmp_path])]
    assert got == ["a.jpg", "b.PNG", "c.TiFf", "d.jpeg"]
    assert count_sources([tmp_path]) == 4


def test_recursive_and_relative_names(tmp_path):
    touch(tmp_path / "top.png")
    touch(tmp_path / "sub" / "deep" / "x.png")
    assert [s.display for s in iter_sources([tmp_path])] == ["top.png"]
    assert [s.display for s in iter_sources([tmp_path], recursive=True)] == ["sub/deep/x.png", "top.png"]


def test_folder_named_like_an_image_is_an_error_row_unless_recursive(tmp_path):
    (tmp_path / "scan.png").mkdir()
    touch(tmp_path / "scan.png" / "inner.png")
    flat = list(iter_sources([tmp_path]))
    assert len(flat) == 1 and "folder" in flat[0].error
    deep = list(iter_sources([tmp_path], recursive=True))
    assert [(s.display, s.error) for s in deep] == [("scan.png/inner.png", "")]


def test_symlink_loop_is_walked_once(tmp_path):
    touch(tmp_path / "a" / "x.png")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    got = [s.display for s in iter_sources([tmp_path], recursive=True)]
    assert got == ["a/x.png"]


def test_explicit_files_are_always_tried_and_missing_ones_reported(tmp_path):
    f = touch(tmp_path / "scan.data")
    got = list(iter_sources([f, tmp_path / "missing.png"]))
    assert got[0].error == "" and got[0].display == str(f)
    assert got[1].error == "file not found"


def test_broken_symlink_is_still_listed(tmp_path):
    os.symlink(tmp_path / "gone.png", tmp_path / "link.png")
    got = list(iter_sources([tmp_path]))
    assert [s.display for s in got] == ["link.png"]
