"""``digitdesk classify``: the batch reader for scripts and servers, over the same core as the GUI.

Exit codes:

====  ==========================================================================
0     every file was read (rows are ``ok`` or ``review``)
1     the batch finished, but some rows are ``error`` (unreadable file, no digit)
2     bad command line or template
3     the model could not be loaded, or the output could not be written
130   interrupted (Ctrl-C): the rows read so far were still written
====  ==========================================================================
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Optional, Sequence

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EPILOG = """\
examples:
  digitdesk classify scans/ -r -o results.csv
  digitdesk classify --mode number --field amount=0.70,0.38,0.26,0.14 cheques/
  digitdesk classify --template cheque.json cheques/*.tif > results.csv

CSV columns: file,page,field,prediction,confidence,status,error,p0..p9,digit_confidences,original
exit codes: 0 all read, 1 some error rows, 2 usage, 3 model or output failure, 130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitdesk classify",
        description="Read handwritten digits or numbers in image files and folders; write CSV.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files and folders")
    parser.add_argument("-o", "--output", metavar="OUT.csv", help="write CSV here (default: stdout)")
    parser.add_argument("-r", "--recursive", action="store_true", help="read sub-folders too")
    parser.add_argument("--mode", choices=("auto", "digit", "number"), default="auto",
                        help="read each image or field as one digit, a number, or decide (default)")
    parser.add_argument("--field", action="append", default=[], metavar="NAME=X,Y,W,H",
                        help="a field to read, in fractions 0-1 of the page; repeatable")
    parser.add_argument("--template", metavar="FILE.json", help="fields from a template file")
    parser.add_argument("--review-below", type=float, metavar="P",
                        help="confidence under which a row gets status 'review' "
                             "(default: the model card's, chosen on validation data)")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (default: one per core)")
    parser.add_argument("--model", metavar="FILE.onnx", help="use another model than the shipped one")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")
    return parser


def _fields(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple:
    from .fields import TemplateError, load_template, parse_field

    try:
        fields = list(load_template(args.template).fields) if args.template else []
        fields += [parse_field(spec) for spec in args.field]
    except TemplateError as exc:
        parser.error(str(exc))
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        parser.error("field names must be unique")
    return tuple(fields)


def _clock(seconds: Optional[float]) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


class _ProgressLine:
    """A single self-rewriting line on a terminal's stderr, at most ~10 times a second."""

    def __init__(self, stream):
        self.stream, self.last = stream, 0.0

    def __call__(self, p) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and p.files_done < p.files_total:
            return
        self.last = now
        pct = 100.0 * p.files_done / p.files_total if p.files_total else 100.0
        self.stream.write(f"\r{p.files_done}/{p.files_total} files ({pct:.0f}%)  "
                          f"{p.rate:,.0f} files/s  ETA {_clock(p.eta)}   ")
        self.stream.flush()

    def close(self) -> None:
        if self.last:
            self.stream.write("\r\033[K")
            self.stream.flush()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``digitdesk classify`` (``argv`` excludes the word ``classify``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.review_below is not None and not 0.0 <= args.review_below <= 1.0:
        parser.error("--review-below must be between 0 and 1")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")

    from .batch import BatchOptions, Progress, run_batch_rendered, uses_workers

    options = BatchOptions(args.mode, _fields(args, parser), args.recursive, args.review_below,
                           args.workers, args.model)
    workers = uses_workers(args.paths, options)
    if workers:
        from .process_start import prestart

        prestart(options.reads_fields)  # the workers' server imports while this process imports and checks the model
    from .csv_export import CsvWriter, render_chunk
    from .model import DigitModel, ModelError, shared_model
    err = sys.stderr
    try:  # fail early, with a clear message, before any work
        if workers:  # only checked here, on one thread: the workers load their own
            DigitModel(args.model, threads=1)
        else:
            shared_model(args.model)
    except ModelError as exc:
        print(f"digitdesk: {exc}", file=err)
        return EXIT_FAILURE
    try:
        if args.output:
            writer = CsvWriter(args.output)
        else:
            sys.stdout.reconfigure(encoding="utf-8", newline="")
            writer = CsvWriter(None, sys.stdout)
    except OSError as exc:
        print(f"digitdesk: cannot write {args.output}: {exc.strerror or exc}", file=err)
        return EXIT_FAILURE

    line = _ProgressLine(err) if (not args.quiet and err.isatty()) else None
    last: list[Progress] = []

    def on_progress(p: Progress) -> None:
        last[:] = [p]
        if line:
            line(p)

    counts: Counter = Counter()
    interrupted = False
    started = time.perf_counter()
    try:
        # Rows are rendered as CSV where they are read (the workers); this process copies text.
        for chunk in run_batch_rendered(args.paths, options, render_chunk, progress=on_progress):
            writer.write_rendered(chunk)
            counts.update(chunk.statuses)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if line:
            line.close()
    try:
        writer.commit()
    except OSError as exc:
        writer.abort()
        print(f"digitdesk: cannot write {args.output}: {exc.strerror or exc}", file=err)
        return EXIT_FAILURE
    elapsed = time.perf_counter() - started
    files = last[0].files_done if last else 0
    if not args.quiet:
        rows = ", ".join(f"{counts[s]} {s}" for s in ("ok", "review", "error") if counts[s] or s != "review")
        where = f" to {args.output}" if args.output else ""
        note = " (interrupted: partial results)" if interrupted else ""
        print(f"digitdesk: {files} files, {sum(counts.values())} rows{where}: {rows}; "
              f"{elapsed:.1f} s, {files / elapsed if elapsed > 0 else 0:,.0f} files/s{note}", file=err)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_ERRORS if counts["error"] else EXIT_OK
