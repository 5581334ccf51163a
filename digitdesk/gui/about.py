"""The About box: which model reads your digits, how accurate it was measured, and its checksum.

The model card's layout has grown (top-level ``accuracy``/``sha256`` in early cards; ``test``,
``usps`` and ``onnx`` sections now); :func:`card_facts` reads either. The checksum is also
computed from the model file itself, so the box says whether the file is the one the card
describes.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__


def _section(card: dict, name: str) -> dict:
    value = card.get(name)
    return value if isinstance(value, dict) else {}


def test_accuracy(card: dict) -> Optional[float]:
    acc = card.get("accuracy", _section(card, "test").get("accuracy"))
    return float(acc) if isinstance(acc, (int, float)) else None


def card_facts(card: dict) -> list[tuple[str, str]]:
    """(label, text) rows worth showing a person, in order."""
    facts: list[tuple[str, str]] = []
    test = _section(card, "test")
    acc = test_accuracy(card)
    if acc is not None:
        where = test.get("set", "test set")
        count = test.get("images")
        facts.append(("Accuracy", f"{acc:.2%} on {where}" + (f" ({count:,} images)" if isinstance(count, int) else "")))
    usps = _section(card, "usps").get("accuracy")
    if isinstance(usps, (int, float)):
        facts.append(("Unseen handwriting", f"{usps:.2%} on USPS digits"))
    date = card.get("date") or card.get("trained")
    if date:
        facts.append(("Trained", str(date).replace("T", " ")[:19]))
    threshold = card.get("review_threshold")
    if isinstance(threshold, (int, float)):
        facts.append(("Review below", f"{threshold:.0%} confidence"))
    if card.get("architecture"):
        facts.append(("Network", str(card["architecture"])))
    if isinstance(card.get("parameters"), int):
        facts.append(("Parameters", f"{card['parameters']:,}"))
    sha = card_checksum(card)
    if sha:
        facts.append(("SHA-256", sha))
    return facts


def card_checksum(card: dict, model_path: str | Path = "") -> str:
    from ..model import card_checksum as recorded  # the card's layout is the core's to know

    return recorded(card, Path(model_path).name if model_path else "")


def file_checksum(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def about_text(card: dict, model_path: str = "", error: str = "") -> str:
    rows = [(label, text) for label, text in card_facts(card or {})]
    if model_path:
        rows.append(("Model file", model_path))
        expected = card_checksum(card or {}, model_path)
        try:
            actual = file_checksum(model_path)
        except OSError:
            actual = ""
        if expected and actual:
            rows.append(("Checksum", "matches the model card" if actual == expected
                         else f"DOES NOT match the model card (file: {actual})"))
    if error:
        rows.append(("Model", f"not loaded: {error}"))
    table = "".join(f"<tr><td><b>{html.escape(a)}</b>&nbsp;</td><td>{html.escape(b)}</td></tr>" for a, b in rows)
    table = f"<table cellspacing='3'>{table}</table>" if rows else "<p>No model card.</p>"
    return (
        f"<h3>digitdesk {html.escape(__version__)}</h3>"
        "<p>Reads handwritten digits and numbers: draw them, drop pictures, or batch a folder of scans.</p>"
        f"<p><b>Model card</b></p>{table}"
    )


def show_about(parent: Optional[QWidget], model=None, error: str = "") -> QMessageBox:
    card = getattr(model, "card", {}) or {}
    path = str(getattr(model, "path", "") or "")
    box = QMessageBox(parent)
    box.setWindowTitle("About digitdesk")
    if parent is not None:
        box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setText(about_text(card, path, error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box
