"""Shared test set-up: Qt runs offscreen, every test gets its own QSettings, data is located once.

QT_QPA_PLATFORM is set before anything imports Qt, so the GUI tests run on machines without a
display. Settings go to a per-test folder, so no test sees another's (or the user's) preferences.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MNIST = SHARED_DATA / "mnist.npz"


@pytest.fixture(autouse=True)
def _isolated_qsettings(request, tmp_path):
    """Per-test QSettings for any test that uses Qt (others never import it)."""
    if not {"qtbot", "qapp"} & set(request.fixturenames):
        yield
        return
    import digitdesk.gui  # noqa: F401  (guards None/True/False refcounts on Python 3.11 before Qt runs)
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("digitdesk-tests")
    QCoreApplication.setApplicationName("digitdesk")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture(scope="session")
def model_path() -> str:
    """The shipped model (or DIGITDESK_TEST_MODEL for development); skips when there is none."""
    override = os.environ.get("DIGITDESK_TEST_MODEL")
    if override:
        if not Path(override).is_file():
            pytest.skip(f"DIGITDESK_TEST_MODEL={override} does not exist")
        return override
    from digitdesk.model import default_model_path

    path = default_model_path()
    if not path.is_file():
        pytest.skip(f"the shipped model is not there yet ({path})")
    return str(path)


@pytest.fixture(scope="session")
def mnist():
    """MNIST's test split (images uint8 [N,28,28], labels), from ../shared/data; skips without it."""
    if not MNIST.is_file():
        pytest.skip(f"MNIST not found at {MNIST} (the shared data folder is absent)")
    import numpy as np

    with np.load(MNIST) as data:
        return data["x_test"], data["y_test"]
