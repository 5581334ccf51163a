"""How batch worker processes start, kept apart from the batch so it costs no imports.

On Linux a fork server imports the heavy modules (numpy, Pillow, onnxruntime, the reading code,
and field location when fields or numbers are read) and loads the models once, then forks each
worker from itself, warm (:mod:`digitdesk.worker_preload`). BLAS and the models' sessions
start no threads there (one thread each); forking the caller instead would copy its threads
(Qt's, onnxruntime's thread pools), which is unsafe. Elsewhere, and in a frozen bundle, workers are spawned.
:func:`prestart` lets a caller boot the server before its own imports, so that the two run side
by side on different cores.
"""

from __future__ import annotations

import multiprocessing
import sys


# What every worker needs, imported and warmed once in the server (digitdesk.worker_preload:
# the reading code, Pillow's plugins, the digit model's sessions); field and number reading add
# field location and the string model (digit batches never import them, so their server starts
# faster).
_PRELOAD = ["digitdesk.worker_preload"]
_PRELOAD_FIELDS = ["digitdesk.worker_preload", "digitdesk.worker_preload_fields"]


def context(fields: bool = True):
    """The start method for batch workers; ``fields``: they will locate fields or read numbers
    (digit batches of whole pictures never import it, so their server starts faster)."""
    if sys.platform.startswith("linux") and not getattr(sys, "frozen", False):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD_FIELDS if fields else _PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def prestart(fields: bool = True) -> None:
    """Start the fork server now (it then imports while the caller goes on); else nothing."""
    if context(fields).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
