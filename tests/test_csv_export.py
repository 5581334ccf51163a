"""The CSV format: exact columns, RFC 4180 quoting, formula injection neutralised, atomic."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from digitdesk.csv_export import CSV_COLUMNS, CsvWriter, read_csv, write_csv
from digitdesk.results import Result


def test_columns_start_exactly_as_documented():
    assert CSV_COLUMNS[:7] == ["file", "page", "field", "prediction", "confidence", "status", "error"]
    assert CSV_COLUMNS[7:17] == [f"p{k}" for k in range(10)]


def test_rows_round_trip_with_quoting_and_unicode(tmp_path):
    probs = np.eye(10, dtype=np.float32)[7]
    rows = [
        Result("a, \"quoted\"\nname.png", 1, "", "7", 0.99, "ok", probabilities=probs),
        Result("çek №1.tif", 2, "amount", "1250", 0.8, "review", digit_confidences=(0.9, 0.95, 0.9, 0.99)),
        Result.failure("broken.png", "file is empty (0 bytes)"),
    ]
    out = tmp_path / "r.csv"
    assert write_csv(rows, out) == 3
    raw = out.read_bytes()
    assert raw.startswith(b"file,page,field,prediction,confidence,status,error,p0")
    assert b"\r\n" in raw
    got = read_csv(out)
    assert got[0]["file"] == "a, \"quoted\"\nname.png" and got[0]["p7"] == "1.0000" and got[0]["p0"] == "0.0000"
    assert got[1]["file"] == "çek №1.tif" and got[1]["page"] == "2" and got[1]["field"] == "amount"
    assert got[1]["digit_confidences"] == "0.9000;0.9500;0.9000;0.9900" and got[1]["p0"] == ""
    assert got[2]["status"] == "error" and got[2]["error"] == "file is empty (0 bytes)"
    assert got[2]["confidence"] == ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_injection_is_neutralised(tmp_path, start):
    out = tmp_path / "r.csv"
    write_csv([Result(f"{start}HYPERLINK(1).png", 1, f"{start}f", "3", 0.9, "ok")], out)
    row = read_csv(out)[0]
    assert row["file"] == f"'{start}HYPERLINK(1).png" and row["field"] == f"'{start}f"


def test_undecodable_file_names_are_escaped(tmp_path):
    name = os.fsdecode(b"bad\xffname.png")
    out = tmp_path / "r.csv"
    write_csv([Result(name, 1, "", "1", 0.9, "ok")], out)
    assert read_csv(out)[0]["file"] == "bad\\xffname.png"


def test_corrected_rows_keep_the_model_reading(tmp_path):
    r = Result("x.png", 1, "", "7", 0.6, "review").corrected("1")
    out = tmp_path / "r.csv"
    write_csv([r], out)
    row = read_csv(out)[0]
    assert (row["prediction"], row["status"], row["original"]) == ("1", "corrected", "7")


def test_interrupted_export_leaves_old_file_and_no_temp(tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("previous export\n")

    def rows():
        yield Result("a.png", 1, "", "1", 0.9, "ok")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_csv(rows(), out)
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_stream_writer_for_stdout():
    import io

    buf = io.StringIO()
    w = CsvWriter(None, buf)
    w.write(Result("a.png", 1, "", "4", 0.97, "ok"))
    w.commit()
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[0][:7] == CSV_COLUMNS[:7] and rows[1][:6] == ["a.png", "1", "", "4", "0.9700", "ok"]


def test_writing_to_a_device_or_pipe_keeps_it(tmp_path):
    """`-o /dev/null` or a FIFO must be written in place: a rename would replace the device."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, encoding="utf-8").read()))
    reader.start()
    write_csv([Result("a.png", 1, "", "1", 0.9, "ok")], fifo)
    reader.join(10)
    assert os.path.exists(fifo) and not os.path.isfile(fifo)
    assert got and got[0].startswith("file,page,field") and "a.png" in got[0]
    write_csv([Result("a.png", 1, "", "1", 0.9, "ok")], os.devnull)
    assert not os.path.isfile(os.devnull)


def test_rows_are_what_csv_writer_writes_for_any_cell():
    """Plain rows are joined directly; the file must still be csv.writer's, byte for byte."""
    import csv
    import io

    import numpy as np

    from digitdesk.csv_export import CSV_COLUMNS, CsvWriter, result_row
    from digitdesk.results import Result

    names = ["a.png", "b,c.png", 'q"uote.png', "new\nline.png", "cr\rname.png", "=x.png", "été.png", "", " s .png"]
    rows = [Result(file=n, prediction="7", confidence=0.5, probabilities=np.full(10, 0.1, np.float32)) for n in names]
    rows += [Result.failure("bad.png", "file is damaged, truly"), Result(file="n.png", prediction="1250",
                                                                       digit_confidences=(0.9, 0.5, 0.7, 0.99))]
    # Every text column with each kind of trouble; odd statuses and probabilities.
    for trouble in ["=1+1", "-x", "+x", "@x", "\tx", "a,b", 'a"b', "a\nb", "é", "plain"]:
        rows += [Result(file="f.png", field=trouble), Result(file="f.png", prediction=trouble),
                 Result.failure("f.png", trouble), Result(file="f.png", status="corrected", original=trouble)]
    rows += [Result(file="s.png", status="=odd"), Result(file="s.png", probabilities=np.full(10, -0.5)),
             Result(file="s.png", probabilities=np.full(10, np.nan)), Result(file="s.png", page=3, confidence=1.0)]
    got = io.StringIO()
    writer = CsvWriter(None, got)
    writer.write_all(rows)
    want = io.StringIO()
    plain = csv.writer(want, lineterminator="\r\n")
    plain.writerow(CSV_COLUMNS)
    for r in rows:
        plain.writerow(result_row(r))
    assert got.getvalue() == want.getvalue()
    assert writer.rows == len(rows)

    # Chunks rendered in batch workers (the CLI's way) give the very same file.
    from digitdesk.csv_export import render_chunk

    rendered = io.StringIO()
    by_chunks = CsvWriter(None, rendered)
    chunks = [render_chunk(rows[:4]), render_chunk(rows[4:]), render_chunk([])]
    for chunk in chunks:
        by_chunks.write_rendered(chunk)
    assert rendered.getvalue() == want.getvalue() and by_chunks.rows == len(rows)
    assert [len(c) for c in chunks] == [4, len(rows) - 4, 0]
    assert sum(sum(c.statuses.values()) for c in chunks) == len(rows)
    assert chunks[1].statuses["error"] == 11 and chunks[1].statuses["corrected"] == 10


def test_a_chunk_formats_probabilities_as_each_row_alone():
    """render_chunk formats a chunk's probabilities at once, by table lookup: the same text as
    "%.4f" row by row, ties at the fifth decimal, 0 and 1 included; odd rows go row by row."""
    import numpy as np

    from digitdesk.csv_export import render_chunk, row_text

    rng = np.random.default_rng(0)
    rows = []
    for i in range(3000):
        p = rng.dirichlet(np.full(10, rng.uniform(0.05, 2))).astype(np.float32)
        if i % 7 == 0:
            p[rng.integers(0, 10)] = np.float32(1 / 32)  # 312.5 ten-thousandths: a tie
        if i % 11 == 0:
            p[:] = np.float32(rng.choice([0.0, 1.0, 0.5, 0.00005, 0.99995]))
        rows.append(Result(file=f"f{i}.png", prediction=str(int(p.argmax())), confidence=float(p.max()),
                           probabilities=p))
    rows += [Result(file="neg.png", probabilities=np.full(10, -0.25, np.float32)),
             Result(file="nan.png", probabilities=np.full(10, np.nan, np.float32)),
             Result(file="f64.png", probabilities=np.full(10, 0.1)),
             Result(file="a,b.png", probabilities=np.full(10, 0.1, np.float32)),
             Result.failure("bad.png", "broken, truly")]
    assert render_chunk(rows).text == "".join(row_text(r) for r in rows)
    tie = render_chunk([Result(file="t.png", probabilities=np.full(10, 1 / 32, np.float32))]).text
    assert tie.count(",0.0312") == 10  # 312.5 rounds to even, as "%.4f" does
