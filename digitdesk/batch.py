"""The streaming batch pipeline shared by the CLI and the GUI's Batch workspace.

Files are walked lazily, cut into small chunks and read by a pool of worker processes (decoding
and preprocessing are Python and image work, so they scale by process, not thread). Each worker
holds its own single-threaded model session. At most a few chunks are in flight, so memory does
not grow with the folder. :func:`run_batch` is a generator: it yields results in input order,
reports progress through a callback and stops early, keeping what is done, when ``cancel`` is set.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Sequence, Sized, TypeVar

from .fields import Field, ReadSettings
from .process_start import context
from .results import Result
from .sources import Source, count_sources, iter_sources

if TYPE_CHECKING:  # the model (numpy, onnxruntime) is loaded where it is used: workers, or here
    from .model import DigitModel


@dataclass(frozen=True)
class BatchOptions:
    mode: str = "auto"
    fields: tuple[Field, ...] = ()
    recursive: bool = False
    review_below: Optional[float] = None   # None: the model card's threshold
    workers: Optional[int] = None          # None: one per core; 1: in this process
    model_path: Optional[str] = None       # None: the shipped model

    @property
    def settings(self) -> ReadSettings:
        return ReadSettings(self.mode, tuple(self.fields), self.review_below)

    @property
    def reads_fields(self) -> bool:
        """Whether fields are located or numbers read (not just whole pictures as digits)."""
        return self.mode != "digit" or bool(self.fields)


@dataclass(frozen=True)
class Progress:
    files_done: int
    files_total: int
    results: int
    elapsed: float

    @property
    def eta(self) -> Optional[float]:
        """Seconds left at the pace so far; None until there is a pace to go by."""
        if self.files_done == 0 or self.elapsed <= 0:
            return None
        return self.elapsed / self.files_done * max(self.files_total - self.files_done, 0)

    @property
    def rate(self) -> float:
        return self.files_done / self.elapsed if self.elapsed > 0 else 0.0


# --- worker side -------------------------------------------------------------------------------

_worker_model: Optional["DigitModel"] = None


def _init_worker(model_path: Optional[str]) -> None:
    global _worker_model
    from .loading import silence_decoder_warnings  # preloaded in the workers

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    silence_decoder_warnings()
    from .model import DigitModel

    # Forked from a fork server that loaded the model already (worker_preload): use its sessions.
    preloaded = sys.modules.get("digitdesk.worker_preload")
    _worker_model = (preloaded and preloaded.model_for(model_path)) or DigitModel(model_path, threads=1)


Rendered = TypeVar("Rendered", bound=Sized)
Render = Optional[Callable[[list[Result]], Rendered]]


def _work(chunk: Sequence[Source], settings: ReadSettings, render: Render = None):
    from .page_reading import read_sources  # preloaded in the workers; the parent never needs it

    results = read_sources(chunk, settings, _worker_model)
    return results if render is None else render(results)


# --- parent side -------------------------------------------------------------------------------


def _chunk_size(options: BatchOptions) -> int:
    """Files per chunk. Small digit pictures: big chunks amortise the round trip and run the
    model on stacks. Auto mode stacks them too, but a picture that is not plainly one digit
    costs milliseconds, so its chunks stay smaller. Pages with fields are heavy."""
    if options.fields:
        return 6
    return 512 if options.mode == "digit" else 32 if options.mode == "auto" else 6


def _chunks(sources: Iterator[Source], size: int) -> Iterator[list[Source]]:
    while True:
        chunk = list(islice(sources, size))
        if not chunk:
            return
        yield chunk


def _executor(workers: int, options: BatchOptions) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context(options.reads_fields), initializer=_init_worker, initargs=(options.model_path,)
    )


class _Pool:
    """A process pool that replaces itself when a worker dies (a decoder crash on a hostile file)."""

    def __init__(self, workers: int, options: BatchOptions):
        self.workers, self.options = workers, options
        self.executor = _executor(workers, options)
        for _ in range(workers):  # start every worker now: they load models while we walk
            self.executor.submit(int)

    def _renew(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = _executor(self.workers, self.options)

    def submit(self, chunk: list[Source], render: Render) -> Future:
        try:
            return self.executor.submit(_work, chunk, self.options.settings, render)
        except BrokenProcessPool:
            self._renew()
            return self.executor.submit(_work, chunk, self.options.settings, render)

    def collect(self, chunk: list[Source], future: Future, render: Render):
        try:
            return future.result()
        except BrokenProcessPool:
            if getattr(self.executor, "_broken", False):
                self._renew()
            results = self._recover(chunk)
            return results if render is None else render(results)

    def _recover(self, chunk: list[Source]) -> list[Result]:
        """Re-read a chunk whose worker died, one file per fresh process, to find the culprit."""
        results = []
        for src in chunk:
            with _executor(1, self.options) as single:
                try:
                    results.extend(single.submit(_work, [src], self.options.settings).result())
                except BrokenProcessPool:
                    message = "the image decoder crashed on this file"
                    results.append(Result.failure(src.display, message, path=src.path))
        return results

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def uses_workers(paths: Sequence[str], options: BatchOptions) -> bool:
    """Whether :func:`run_batch` will start worker processes: more than one core allowed and
    more than one chunk of work (a handful of files is read faster in this process)."""
    if (options.workers or os.cpu_count() or 1) <= 1:
        return False
    size = _chunk_size(options)
    return count_sources(paths, options.recursive, limit=size + 1) > size


def run_batch(
    paths: Iterable[str | os.PathLike],
    options: BatchOptions = BatchOptions(),
    progress: Optional[Callable[[Progress], None]] = None,
    cancel: Optional[threading.Event] = None,
) -> Iterator[Result]:
    """Yield a :class:`Result` per (file, page, field) under ``paths``, in order.

    ``progress`` is called after each chunk (from the thread iterating this generator).
    Setting ``cancel`` stops the batch soon after: the results read up to then are still yielded,
    the files in order up to the first chunk not yet read.
    """
    for results in run_batch_rendered(paths, options, None, progress, cancel):
        yield from results


def run_batch_rendered(
    paths: Iterable[str | os.PathLike],
    options: BatchOptions,
    render: Render,
    progress: Optional[Callable[[Progress], None]] = None,
    cancel: Optional[threading.Event] = None,
) -> Iterator:
    """:func:`run_batch` a chunk at a time, each chunk's results passed through ``render`` where
    they were read (``None``: the list itself). ``render`` must be a picklable module-level
    function whose output has a length: the chunk's number of rows.

    The CLI renders CSV lines in the workers: the results then never cross between processes,
    and the process that writes only copies text.
    """
    paths = [os.fspath(p) for p in paths]
    started = time.perf_counter()
    # Workers start before the folder is walked, so the two overlap.
    pool = _Pool(options.workers or os.cpu_count() or 1, options) if uses_workers(paths, options) else None
    try:
        yield from _Reading(paths, options, render, pool, progress, cancel, started).chunks()
    finally:
        if pool is not None:
            pool.shutdown()


class _Reading:
    """One run of :func:`run_batch_rendered`, with the pool (None: read here) already started:
    the chunks in order, progress after each, and the folder counted beside the reading."""

    def __init__(self, paths: list[str], options: BatchOptions, render: Render, pool: Optional[_Pool],
                 progress: Optional[Callable[[Progress], None]], cancel: Optional[threading.Event],
                 started: float):
        self.options, self.render, self.pool = options, render, pool
        self.progress, self.cancel, self.started = progress, cancel, started
        self.done = self.produced = 0
        self.told: Optional[tuple[int, int]] = None
        self.sources = _chunks(iter_sources(paths, options.recursive), _chunk_size(options))
        self.inflight: deque[tuple[list[Source], Future]] = deque()
        self.window = 2 * pool.workers + 1 if pool is not None else 0
        for chunk in islice(self.sources, self.window):  # the workers start reading at once
            self.inflight.append((chunk, pool.submit(chunk, render)))
        # The folder is counted (for progress and ETA) beside the reading: counting 50,000
        # files takes ~0.1 s, in which the workers would otherwise wait for more chunks.
        # Progress is told from the first chunk read on.
        self.counted: list[int] = []
        self.counter = threading.Thread(target=lambda: self.counted.append(count_sources(paths, options.recursive)),
                                        name="digitdesk-count", daemon=True)
        self.counter.start()

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def report(self) -> None:
        """Tell progress after each chunk (and at the end), once: the count is done by then."""
        if self.progress is None or self.told == (self.done, self.produced):
            return
        if not self.cancelled():  # a cancelled batch does not wait for a long count to finish
            self.counter.join()
        self.told = (self.done, self.produced)
        total = max(self.counted[0] if self.counted else 0, self.done)
        self.progress(Progress(self.done, total, self.produced, time.perf_counter() - self.started))

    def deliver(self, chunk: list[Source], rendered):
        self.produced += len(rendered)
        self.done += len(chunk)
        return rendered

    def chunks(self) -> Iterator:
        try:
            for rendered in self._here() if self.pool is None else self._through_pool():
                yield rendered
                self.report()
        finally:
            self.report()

    def _here(self) -> Iterator:
        from .page_reading import read_sources

        from .model import shared_model

        model = shared_model(self.options.model_path)
        for chunk in self.sources:
            if self.cancelled():
                return
            results = read_sources(chunk, self.options.settings, model)
            yield self.deliver(chunk, results if self.render is None else self.render(results))

    def _through_pool(self) -> Iterator:
        pool, inflight, render = self.pool, self.inflight, self.render
        for chunk in self.sources:
            if self.cancelled():
                break
            inflight.append((chunk, pool.submit(chunk, render)))
            while inflight and (len(inflight) >= self.window or inflight[0][1].done()):
                chunk_done, future = inflight.popleft()
                yield self.deliver(chunk_done, pool.collect(chunk_done, future, render))
                if self.cancelled():
                    break
        while inflight:
            chunk_done, future = inflight.popleft()
            if self.cancelled() and not future.done():
                # What a cancelled batch keeps is the files in order up to the first chunk not
                # read yet: a later chunk a worker happened to finish would leave a gap.
                for _, later in inflight:
                    later.cancel()
                future.cancel()
                inflight.clear()
                break
            yield self.deliver(chunk_done, pool.collect(chunk_done, future, render))
