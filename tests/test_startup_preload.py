"""Batch workers start warm: the fork server loads the models once and the workers inherit them."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

from digitdesk import batch, process_start
from digitdesk.batch import BatchOptions, run_batch
from tests.helpers import need_model

linux_fork_server = pytest.mark.skipif(
    process_start.context(False).get_start_method() != "forkserver", reason="workers are spawned here"
)


def _probe(other_model: str):
    """In a worker: what it inherited from the fork server, and what its initialiser chose."""
    batch._init_worker(None)
    preloaded = sys.modules.get("digitdesk.worker_preload")
    model = preloaded.digit_model if preloaded else None
    return {
        "preloaded": model is not None,
        "uses_it": model is not None and batch._worker_model is model,
        "other_path_reloads": preloaded is not None and preloaded.model_for(other_model) is None,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }


@linux_fork_server
def test_workers_use_the_model_the_server_loaded(tmp_path):
    need_model()
    with ProcessPoolExecutor(2, mp_context=process_start.context(True)) as pool:
        seen = [f.result() for f in [pool.submit(_probe, str(tmp_path / "other.onnx")) for _ in range(4)]]
    for s in seen:
        assert s["preloaded"] and s["uses_it"] and s["other_path_reloads"]
        assert s["blas_threads"] == "1"  # one worker per core: BLAS needs no threads of its own


def test_a_field_batch_reads_alike_in_workers_and_here(tmp_path):
    """Workers reading with the server's sessions give the rows one process gives."""
    need_model()
    from digitdesk.fields import load_template
    from tests.synth import mnist_available, write_cheques

    if not mnist_available():
        pytest.skip("shared MNIST data not found")
    write_cheques(tmp_path, 8)  # more than one chunk of field pages: workers are used
    fields = load_template(tmp_path / "template.json").fields
    options = dict(mode="auto", fields=fields)
    assert batch.uses_workers([str(tmp_path)], BatchOptions(**options, workers=2))

    def rows(workers):
        return [(r.file, r.field, r.prediction, r.confidence, r.status, r.digit_confidences, r.error)
                for r in run_batch([tmp_path], BatchOptions(**options, workers=workers))]

    assert rows(2) == rows(1)
