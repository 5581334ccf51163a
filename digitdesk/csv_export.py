"""The CSV format, defined once: the CLI and the GUI's Export both write through here.

Columns: ``file,page,field,prediction,confidence,status,error`` first, then ``p0``..``p9``
(single-digit readings), ``digit_confidences`` (``;``-separated, one per digit of a number) and
``original`` (the model's reading when a person corrected it). UTF-8, RFC 4180 quoting, CRLF
line ends. Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or CR) get a leading ``'`` (OWASP's advice): file names are user input.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable

from .results import ERROR, STATUSES, Result

CSV_COLUMNS = (
    ["file", "page", "field", "prediction", "confidence", "status", "error"]
    + [f"p{k}" for k in range(10)]
    + ["digit_confidences", "original"]
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Make a text cell inert in spreadsheets (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def printable(text: str) -> str:
    """Text safe to encode as UTF-8: undecodable file-name bytes become \\xNN escapes."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


_NO_PROBABILITIES = [""] * 10
_PROBABILITIES = " ".join(["%.4f"] * 10)  # one formatting call for the ten cells


def result_row(r: Result) -> list[str]:
    """The CSV cells of one result, every one that could start a formula neutralised."""
    if r.probabilities is None:
        probs = _NO_PROBABILITIES
    else:
        text = _PROBABILITIES % tuple(r.probabilities.tolist())
        probs = [neutralise(c) for c in text.split()] if "-" in text else text.split()
    conf = f"{r.confidence:.4f}" if r.status != "error" else ""
    digits = ";".join(f"{c:.4f}" for c in r.digit_confidences) if len(r.digit_confidences) > 1 else ""
    return [
        neutralise(printable(r.file)), str(r.page), neutralise(printable(r.field)),
        neutralise(printable(r.prediction)), conf, neutralise(r.status),
        neutralise(printable(r.error)), *probs, digits, neutralise(printable(r.original)),
    ]


_PROBABILITY_CELLS = ",".join(["%.4f"] * 10)
_NO_PROBABILITY_CELLS = "," * 9
# A cell csv.writer would quote, or one to neutralise (checked on the text cells joined by NUL).
_NOT_PLAIN = re.compile(r'[,"\n\r]|(?:^|\x00)[=+\-@\t]')


def row_text(r: Result, cells: str | None = None) -> str:
    """One result as a CSV line (CRLF included), exactly as ``csv.writer`` writes it.
    ``cells``: its ten probability cells, already formatted (:func:`render_chunk`)."""
    texts = "\x00".join((r.file, r.field, r.prediction, r.error, r.original))
    # The common row (plain ASCII names, a known status, probabilities that format without a
    # sign) is formatted in one go: a batch renders one per file, on every core.
    if texts.isascii() and r.status in STATUSES and not _NOT_PLAIN.search(texts):
        probs = r.probabilities
        if cells is None:
            cells = _NO_PROBABILITY_CELLS if probs is None else _PROBABILITY_CELLS % tuple(probs.tolist())
        if "-" not in cells:
            conf = f"{r.confidence:.4f}" if r.status != ERROR else ""
            digits = ";".join([f"{c:.4f}" for c in r.digit_confidences]) if len(r.digit_confidences) > 1 else ""
            return (f"{r.file},{r.page},{r.field},{r.prediction},{conf},{r.status},{r.error},{cells},"
                    f"{digits},{r.original}\r\n")
    cells = result_row(r)
    line = ",".join(cells)
    # A row with no comma, quote or line break in any cell is exactly what csv.writer would
    # write (it quotes nothing then): join it directly, a third of the cost of a batch row.
    if line.count(",") == len(cells) - 1 and '"' not in line and "\n" not in line and "\r" not in line:
        return line + "\r\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


@dataclass(frozen=True)
class CsvChunk:
    """A batch chunk's rows as CSV text, with what the CLI's summary needs to know of them."""

    text: str
    rows: int
    statuses: dict[str, int]

    def __len__(self) -> int:  # rows, as for a chunk's list of results
        return self.rows


def render_chunk(results: list[Result]) -> CsvChunk:
    """CSV lines of a chunk, made where it was read (a batch worker) so that the writing
    process only copies text: rows are then made on every core, and the results never travel."""
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    cells = _probability_cells(results)
    return CsvChunk("".join([row_text(r, c) for r, c in zip(results, cells)]), len(results), statuses)


_FOUR_DECIMALS = None  # "0.0000" ... "1.0000" as 6-byte strings, made on first use


def _probability_cells(results: list[Result]) -> list[str | None]:
    """The ten probability cells of each result that has float32 probabilities in [0, 1],
    formatted for the whole chunk at once (None for the others: :func:`row_text` formats them).

    A float32 times 10,000 is exact in float64, so rounding it half to even picks the same
    four decimals as ``"%.4f"`` does; the cells are then looked up and joined as bytes.
    """
    global _FOUR_DECIMALS
    import numpy as np  # a batch worker has it; the CSV module alone does not need it

    out: list[str | None] = [None] * len(results)
    rows = [i for i, r in enumerate(results) if r.probabilities is not None
            and r.probabilities.dtype == np.float32 and r.probabilities.shape == (10,)]
    if not rows:
        return out
    p = np.stack([results[i].probabilities for i in rows]).astype(np.float64)
    fine = ((p >= 0) & (p <= 1)).all(axis=1)  # NaN fails both
    if _FOUR_DECIMALS is None:
        _FOUR_DECIMALS = np.array([f"{k / 10000:.4f}" for k in range(10001)], dtype="S6")
    n = len(rows)
    text = np.full((n, 10, 7), ord(","), dtype=np.uint8)
    text[:, :, :6] = _FOUR_DECIMALS[np.rint(np.where(fine[:, None], p, 0) * 10000).astype(np.int64)].view(np.uint8).reshape(n, 10, 6)
    joined = text.reshape(n, 70)[:, :69].tobytes().decode("ascii")
    for k, (i, ok) in enumerate(zip(rows, fine.tolist())):
        if ok:
            out[i] = joined[69 * k : 69 * (k + 1)]
    return out


class CsvWriter:
    """Streams rows to a temporary file next to ``path`` and renames it into place on close.

    Until :meth:`commit`, ``path`` is untouched: an interrupted export never leaves half a file.
    ``path=None`` writes straight to ``stream`` (stdout) instead.
    """

    def __init__(self, path: str | os.PathLike | None, stream: IO[str] | None = None):
        self.path = Path(path) if path is not None else None
        self._tmp = None
        if self.path is not None and _is_special(self.path):
            # /dev/null, a pipe, a terminal: write in place; renaming over it would replace it.
            self._file = open(self.path, "w", encoding="utf-8", newline="")
            self._own_stream = True
        elif self.path is not None:
            folder = self.path.parent if str(self.path.parent) else Path(".")
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
            self._file = os.fdopen(fd, "w", encoding="utf-8", newline="")
        else:
            self._file = stream if stream is not None else io.StringIO()
        self._own_stream = getattr(self, "_own_stream", False)
        self._csv = csv.writer(self._file, lineterminator="\r\n")
        self._csv.writerow(CSV_COLUMNS)
        self.rows = 0

    def write(self, result: Result) -> None:
        self._file.write(row_text(result))
        self.rows += 1

    def write_rendered(self, chunk: "CsvChunk") -> None:
        """Rows already rendered by :func:`render_chunk` (in a batch worker)."""
        self._file.write(chunk.text)
        self.rows += chunk.rows

    def write_all(self, results: Iterable[Result]) -> None:
        for r in results:
            self.write(r)

    def commit(self) -> None:
        self._file.flush()
        if self._own_stream:
            self._file.close()
            self._own_stream = False
        if self._tmp is None:
            return
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        if self._own_stream:
            self._file.close()
            self._own_stream = False
        if self._tmp is not None:
            self._file.close()
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
            self._tmp = None

    def __enter__(self) -> "CsvWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def _is_special(path: Path) -> bool:
    """An existing target that is not a regular file (device, FIFO, socket)."""
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def write_csv(results: Iterable[Result], path: str | os.PathLike) -> int:
    """Write every result to ``path`` atomically; returns the number of rows."""
    with CsvWriter(path) as out:
        out.write_all(results)
    return out.rows


def read_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    """Rows of a digitdesk CSV as dicts (for tests, and for reloading an export)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
