"""The fork server's preload for batches that read fields or numbers (after
:mod:`digitdesk.worker_preload`): field location, which loads scipy's labelling routines alone,
and the string models' sessions, created and run once. Nothing here may raise (see there)."""

from . import field_locate  # noqa: F401


def _preload() -> None:
    try:
        import numpy as np

        from .numbers.string_model import STRIP_H, STRIP_W, shared_string_model

        strings = shared_string_model()
        if strings is not None:
            # The other opinions are loaded on first use: load them here.
            for model in [strings, *strings.opinions()]:
                model.frames(np.zeros((1, STRIP_H, STRIP_W), dtype=np.float32))
    except Exception:
        pass


_preload()
