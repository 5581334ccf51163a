"""`digitdesk classify`: CSV to stdout or a file, summary, exit codes, Ctrl-C."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from digitdesk.cli import EXIT_ERRORS, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, main
from tests.helpers import ROOT, need_mnist, need_model


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    x, y = need_mnist()
    root = tmp_path_factory.mktemp("cli")
    for i in range(20):
        Image.fromarray(255 - x[i]).save(root / f"{i:02d}_{y[i]}.png")
    return root


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_to_stdout_and_summary(digits, capsys):
    need_model()
    assert main([str(digits), "--mode", "digit", "--workers", "1"]) == EXIT_OK
    out, err = capsys.readouterr()
    rows = rows_of(out)
    assert len(rows) == 20
    assert sum(r["prediction"] == r["file"].split("_")[1][0] for r in rows) >= 19
    assert "20 files, 20 rows" in err and "files/s" in err


def test_output_file_and_error_exit_code(digits, tmp_path, capsys):
    need_model()
    (tmp_path / "junk.png").write_bytes(b"\x00" * 10)
    out = tmp_path / "out.csv"
    code = main([str(digits), str(tmp_path / "junk.png"), "-o", str(out), "--mode", "digit", "-q"])
    assert code == EXIT_ERRORS
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert len(rows) == 21 and rows[-1]["status"] == "error"
    assert capsys.readouterr().err == ""  # --quiet


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--mode", "letters", "x"], "invalid choice"),
        (["--field", "amount=1,2", "x"], "NAME=X,Y,W,H"),
        (["--field", "amount=0.5,0.5,0.9,0.1", "x"], "edge of the page"),
        (["--template", "/nonexistent.json", "x"], "cannot read template"),
        (["--review-below", "3", "x"], "between 0 and 1"),
        ([], "required"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_model_exits_3(digits, tmp_path, capsys):
    assert main([str(digits), "--model", str(tmp_path / "none.onnx")]) == EXIT_FAILURE
    assert "model file not found" in capsys.readouterr().err


def test_ctrl_c_still_writes_what_was_done(tmp_path):
    need_model()
    x, _ = need_mnist()
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(6000):
        Image.fromarray(255 - x[i % len(x)]).save(folder / f"{i:05d}.png")
    out = tmp_path / "partial.csv"
    code = "import sys; from digitdesk.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(folder), "-o", str(out), "--mode", "digit", "--workers", "1"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    deadline = time.monotonic() + 60
    # Interrupt as soon as the first rows reach the (temporary) output file.
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".tmp") and p.stat().st_size > 0 for p in tmp_path.iterdir()):
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "interrupted" in err
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert 0 < len(rows) < 6000
    assert [r["file"] for r in rows] == [f"{i:05d}.png" for i in range(len(rows))]
