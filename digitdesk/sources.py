"""Which files a batch reads: a streaming walk over the paths a user gave, in a stable order.

Files named explicitly are always tried, whatever their extension (the content decides the
format). Inside folders only image extensions are picked up, case-insensitively. Things that
look like images but cannot be (a folder named ``scan.png``, an unreadable subfolder) become
sources carrying an error, so they show up as error rows instead of vanishing.
"""

from __future__ import annotations

import os
from itertools import islice
from typing import Iterable, Iterator, NamedTuple

from .formats import has_image_extension


class Source(NamedTuple):
    """One file to read (a tuple: a folder of 100,000 makes 100,000 of them, twice)."""

    display: str      # as reported: relative to the folder argument it was found under
    path: str         # as opened
    error: str = ""   # known before opening it: the file becomes an error row


def _walk(folder: str, prefix: str, recursive: bool, seen: set, ordered: bool = True) -> Iterator[Source]:
    try:
        entries = _listing(folder, ordered)
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        yield Source(prefix.rstrip("/") or folder, folder, f"folder cannot be read: {reason}")
        return
    base = folder if folder.endswith(("/", os.sep)) else folder + os.sep  # os.path.join, hoisted
    for name, is_dir in entries:
        shown, path = prefix + name, base + name
        if is_dir:
            if recursive:
                real = os.path.realpath(path)
                if real in seen:  # a symlink loop, or the same folder linked twice
                    continue
                seen.add(real)
                yield from _walk(path, shown + "/", recursive, seen, ordered)
            elif has_image_extension(name):
                yield Source(shown, path, "is a folder, not an image (use --recursive to read inside it)")
        elif has_image_extension(name):
            yield Source(shown, path)


def _listing(folder: str, ordered: bool) -> Iterator[tuple[str, bool]]:
    """(name, is a folder) for each entry, sorted by name or lazily as listed; raises OSError
    if the folder cannot be read (when sorted, also if the listing fails midway)."""
    it = os.scandir(folder)  # file types come with the listing: no stat per file
    if ordered:
        with it:
            return iter(sorted((e.name, _is_dir(e)) for e in it))  # names are unique
    return _as_listed(it)


def _as_listed(it) -> Iterator[tuple[str, bool]]:
    with it:
        try:
            for entry in it:
                yield entry.name, _is_dir(entry)
        except OSError:  # a listing that fails midway: what was listed is what there is
            return


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows links, like os.path.isdir
    except OSError:
        return False


def iter_sources(paths: Iterable[str | os.PathLike], recursive: bool = False, ordered: bool = True) -> Iterator[Source]:
    """Every file to read under ``paths``, one at a time (a folder is never listed twice).
    ``ordered=False``: each folder's files in the order the system lists them (for counting)."""
    for arg in paths:
        arg = os.fspath(arg)
        if os.path.isdir(arg):
            yield from _walk(arg, "", recursive, {os.path.realpath(arg)}, ordered)
        elif os.path.lexists(arg):
            yield Source(arg, arg)
        else:
            yield Source(arg, arg, "file not found")


def count_sources(paths: Iterable[str | os.PathLike], recursive: bool = False, limit: int | None = None) -> int:
    """How many sources :func:`iter_sources` will give (for progress and ETA), or ``limit`` if
    there are at least that many. Folders are not sorted for it: that was half its cost."""
    return sum(1 for _ in islice(iter_sources(paths, recursive, ordered=False), limit))
