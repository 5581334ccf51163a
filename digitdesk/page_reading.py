"""Read a handful of files into :class:`Result` rows: the unit of work of every batch.

One call reads whole files (every page, every field) so that all single-digit inputs of the
chunk go to the model as one batch: per-image model calls would cost more than the decoding.
Nothing in here raises for bad input; every failure becomes an ``error`` row.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .fields import Field, ReadSettings
from .loading import LoadError, Page, open_pages, read_small_pngs
from .model import DigitModel
from .preprocess import NoInkError, digit_inputs_with_boxes
from .recognize import Reading, digit_answers, plainly_one_digit, read
from .results import ERROR, Box, Result, status_for
from .sources import Source


_DEFER_PIXELS = 128 * 128


def _offset(boxes: Sequence[Box], origin: tuple[int, int]) -> tuple[Box, ...]:
    ox, oy = origin
    if not ox and not oy:
        return tuple(boxes)
    return tuple(Box(b.x + ox, b.y + oy, b.w, b.h) for b in boxes)


def _no_ink_message(field: str) -> str:
    return f"no digit found in field '{field}'" if field else "no digit found: the image has no ink"


def _fill(result: Result, reading: Reading, origin: tuple[int, int], threshold: float) -> None:
    result.prediction = reading.text
    result.confidence = reading.confidence
    result.probabilities = reading.probabilities
    result.digit_confidences = reading.digit_confidences
    result.boxes = _offset(reading.boxes, origin)
    result.status = status_for(reading.confidence, threshold)
    if not reading.text:
        result.status = ERROR
        result.error = "no digits could be read"


def read_sources(sources: Sequence[Source], settings: ReadSettings, model: DigitModel) -> list[Result]:
    """Rows for every page and field of ``sources``, in order."""
    threshold = model.review_threshold if settings.review_below is None else settings.review_below
    results: list[Result] = []
    # Digit inputs to run as one batch: row, input, box, origin, picture, ink in one piece.
    pending: list[tuple[Result, np.ndarray, Box, tuple[int, int], np.ndarray, bool | None]] = []

    deferred: list[tuple[Result, np.ndarray, tuple[int, int]]] = []  # small digit pictures

    def digit_inputs(items: list[tuple[Result, np.ndarray, tuple[int, int]]]) -> None:
        for (row, region, origin), made in zip(items, digit_inputs_with_boxes([it[1] for it in items])):
            if isinstance(made, NoInkError):
                row.status, row.error = ERROR, _no_ink_message(row.field)
            else:
                pending.append((row, made[0], Box(*made[1]), origin, region, made[2]))

    def read_digit(row: Result, region: np.ndarray, origin: tuple[int, int]) -> None:
        # Small pictures are preprocessed a stack at a time at the end of the chunk; big ones
        # now, so the chunk never holds many full pages.
        if region.size <= _DEFER_PIXELS:
            deferred.append((row, region, origin))
        else:
            digit_inputs([(row, region, origin)])

    def guarded(row: Result, work: Callable[[], None]) -> None:
        _guard(row, work)
        results.append(row)

    # Pages are read from their pixels as decoded (8-bit for most scans): every step converts
    # only what it uses (a stack of small pictures at once, a field's window), never the page.
    def whole_page(row: Result, page: Page, mode: str) -> None:
        if mode == "digit":
            read_digit(row, page.pixels, (0, 0))
        else:
            _fill(row, read(page.pixels, model, mode), (0, 0), threshold)

    def one_field(row: Result, page: Page, field: Field, mode: str) -> None:
        from .field_locate import field_region, read_field  # digit batches never need it

        if mode == "digit":
            read_digit(row, *field_region(page.pixels, field, page.size))
        else:  # read_field places the boxes on the page and makes the ink map once
            _fill(row, read_field(page.pixels, field, model, mode, page.size), (0, 0), threshold)

    # With fields, pages are decoded only as far down as the fields reach (a cheque's amount
    # box is in its upper half).
    rows = _rows_for(settings.fields) if settings.fields else None
    # Small PNGs (most of a batch of digits) are read for the whole chunk at once.
    prefetched = read_small_pngs([src.path if not src.error else "" for src in sources])
    # Whole small pictures in digit mode go to the chunk's stack; in auto mode too, and those
    # that turn out not to be plainly one digit are then read one by one as auto mode does.
    stacked = settings.mode in ("digit", "auto") and not settings.fields
    for src, ready in zip(sources, prefetched):
        if stacked and isinstance(ready, Page) and ready.pixels.size <= _DEFER_PIXELS:
            row = Result(file=src.display, page=1, path=src.path)  # the common case, directly
            results.append(row)
            deferred.append((row, ready.pixels, (0, 0)))
            continue
        if src.error:
            results.append(Result.failure(src.display, src.error, path=src.path))
            continue
        page_no = 0
        try:
            pages = (ready,) if isinstance(ready, Page) else open_pages(src.path, ready, rows)
            for page in pages:
                page_no = page.page
                if not settings.fields:
                    row = Result(file=src.display, page=page.page, path=src.path)
                    guarded(row, lambda: whole_page(row, page, settings.mode))
                    continue
                for field in settings.fields:
                    row = Result(file=src.display, page=page.page, field=field.name, path=src.path)
                    mode = field.mode if field.mode != "auto" else settings.mode
                    guarded(row, lambda: one_field(row, page, field, mode))
        except LoadError as exc:
            results.append(Result.failure(src.display, str(exc), page=page_no + 1, path=src.path))

    digit_inputs(deferred)
    if pending:  # every single-digit input of the chunk in one model call
        auto = settings.mode == "auto"
        probs, digits, confidences = digit_answers([p[1] for p in pending], model)
        for (row, _, box, origin, region, one_piece), p, digit, c in zip(pending, probs, digits, confidences):
            if auto and not plainly_one_digit(c, box, one_piece):
                _read_again(row, region, model, threshold)
                continue
            row.prediction, row.confidence, row.probabilities, row.digit_confidences = digit, c, p, (c,)
            row.boxes = _offset((box,), origin)
            row.status = status_for(c, threshold)
    return results


def _rows_for(fields: Sequence[Field]) -> Callable[[int, int], int]:
    """How many top rows of a page reading ``fields`` needs (see :func:`open_pages`)."""
    from .field_locate import window_rows

    return lambda width, height: max(window_rows(f, width, height) for f in fields)


def _read_again(row: Result, picture: np.ndarray, model: DigitModel, threshold: float) -> None:
    """Fill ``row`` with the auto-mode reading of a whole small picture that was not plainly
    one digit (it may be a number)."""
    _guard(row, lambda: _fill(row, read(picture, model, "auto"), (0, 0), threshold))


def _guard(row: Result, work: Callable[[], None]) -> None:
    """Run ``work`` (which fills ``row``); whatever it raises becomes ``row``'s error."""
    try:
        work()
    except NoInkError:
        row.status, row.error = ERROR, _no_ink_message(row.field)
    except Exception as exc:  # a reading bug must cost one row, not the batch
        row.status, row.error = ERROR, f"could not read this image ({type(exc).__name__}: {exc})"
