"""How batch worker processes start, kept apart from the batch so it costs no imports.

On Linux a fork server imports the heavy modules (numpy, scipy, Pillow, onnxruntime and the
reading code) once and forks each worker from itself; forking the caller instead would copy
its threads (Qt's, onnxruntime's), which is unsafe. Elsewhere, and in a frozen bundle, workers
are spawned. :func:`prestart` lets a caller boot the server before its own imports, so that the
two run side by side on different cores.
"""

from __future__ import annotations

import multiprocessing
import sys


def context():
    if sys.platform.startswith("linux") and not getattr(sys, "frozen", False):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["digitdesk.batch", "digitdesk.page_reading", "onnxruntime"])
        return ctx
    return multiprocessing.get_context("spawn")


def prestart() -> None:
    """Start the fork server now (it then imports while the caller goes on); else nothing."""
    if context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
