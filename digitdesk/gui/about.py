"""The About box: which model reads your digits, how accurate it was measured, and its checksum."""

from __future__ import annotations

import html
from typing import Optional

from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__


def about_text(card: dict, model_path: str = "", error: str = "") -> str:
    rows = []

    def add(label: str, value) -> None:
        if value not in (None, ""):
            rows.append(f"<tr><td><b>{html.escape(label)}</b></td><td>{html.escape(str(value))}</td></tr>")

    acc = card.get("accuracy") if card else None
    if isinstance(acc, (int, float)):
        acc = f"{acc:.2%}" if acc <= 1 else f"{acc}%"
    add("Accuracy", acc)
    add("Trained on", card.get("date") or card.get("trained") if card else None)
    checksum = card.get("sha256") if card else None
    add("SHA-256", checksum)
    threshold = card.get("review_threshold") if card else None
    if isinstance(threshold, (int, float)):
        add("Review below", f"{threshold:.0%}")
    add("Data", card.get("dataset") if card else None)
    add("Model file", model_path)
    if error:
        add("Model", f"not loaded: {error}")
    table = "<table cellspacing='4'>" + "".join(rows) + "</table>" if rows else "<p>No model card.</p>"
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
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64) if parent is not None else box.iconPixmap())
    box.setText(about_text(card, path, error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box
