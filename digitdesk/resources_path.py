"""Where the shipped resources are: inside the installed package, a bundle, or the checkout.

``pip install .`` installs the top-level ``resources/`` folder as ``digitdesk.resources``;
a PyInstaller bundle and a plain checkout keep it beside the package.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    try:
        from importlib.resources import files

        root = Path(str(files("digitdesk.resources")))
        if root.is_dir():
            return root
    except (ModuleNotFoundError, TypeError, ValueError):
        pass
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and (Path(bundle) / "resources").is_dir():
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_root().joinpath(*parts)
