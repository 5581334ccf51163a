"""Named fields of a page and the template file that holds them (shared by the CLI and the GUI).

A field is a rectangle in fractions of the page (0-1), so one template serves scans of any
resolution. Template JSON, version 1::

    {
      "version": 1,
      "name": "cheque",
      "fields": [
        {"name": "amount", "x": 0.70, "y": 0.38, "w": 0.26, "h": 0.14, "mode": "number"}
      ]
    }

``mode`` is optional (``auto`` when absent): ``number`` or ``digit`` forces how the field is read.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

TEMPLATE_VERSION = 1
_NAME = re.compile(r"^[^\x00-\x1f=,]{1,64}$")


class TemplateError(ValueError):
    """A field spec or template file that cannot be used; ``str()`` says why, for a person."""


@dataclass(frozen=True)
class Field:
    name: str
    x: float
    y: float
    w: float
    h: float
    mode: str = "auto"

    def __post_init__(self):
        if not _NAME.match(self.name or ""):
            raise TemplateError(f"field name {self.name!r} must be 1-64 characters without '=' or ','")
        for key in ("x", "y", "w", "h"):
            v = getattr(self, key)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise TemplateError(f"field {self.name!r}: {key} must be a number, got {v!r}")
        if not (0 <= self.x < 1 and 0 <= self.y < 1 and 0 < self.w <= 1 and 0 < self.h <= 1):
            raise TemplateError(f"field {self.name!r}: x, y, w, h must be fractions of the page (0-1)")
        if self.x + self.w > 1.0001 or self.y + self.h > 1.0001:
            raise TemplateError(f"field {self.name!r} reaches past the edge of the page")
        if self.mode not in ("auto", "digit", "number"):
            raise TemplateError(f"field {self.name!r}: mode must be auto, digit or number")

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The field as (x, y, w, h) pixels of a page of ``width`` x ``height``."""
        x0, y0 = int(round(self.x * width)), int(round(self.y * height))
        x1 = min(width, max(x0 + 1, int(round((self.x + self.w) * width))))
        y1 = min(height, max(y0 + 1, int(round((self.y + self.h) * height))))
        return x0, y0, x1 - x0, y1 - y0


@dataclass
class Template:
    fields: list[Field] = field(default_factory=list)
    name: str = ""

    def __post_init__(self):
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise TemplateError(f"field names must be unique; repeated: {', '.join(dupes)}")

    def to_json(self) -> str:
        data = {"version": TEMPLATE_VERSION, "name": self.name, "fields": [asdict(f) for f in self.fields]}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def parse_field(spec: str) -> Field:
    """``NAME=X,Y,W,H`` (fractions of the page), as given to ``--field``."""
    name, sep, coords = spec.partition("=")
    parts = coords.split(",")
    if not sep or len(parts) != 4:
        raise TemplateError(f"--field {spec!r}: expected NAME=X,Y,W,H with fractions of the page")
    try:
        x, y, w, h = (float(p) for p in parts)
    except ValueError:
        raise TemplateError(f"--field {spec!r}: X,Y,W,H must be numbers between 0 and 1") from None
    return Field(name.strip(), x, y, w, h)


def template_from_json(text: str) -> Template:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TemplateError(f"template is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise TemplateError("template must be a JSON object with a list of 'fields'")
    if data.get("version", TEMPLATE_VERSION) != TEMPLATE_VERSION:
        raise TemplateError(f"template version {data.get('version')!r} is not supported (expected 1)")
    fields = []
    for i, item in enumerate(data["fields"], start=1):
        if not isinstance(item, dict):
            raise TemplateError(f"field {i} must be an object with name, x, y, w, h")
        missing = [k for k in ("name", "x", "y", "w", "h") if k not in item]
        if missing:
            raise TemplateError(f"field {i} lacks {', '.join(missing)}")
        fields.append(Field(str(item["name"]), item["x"], item["y"], item["w"], item["h"], item.get("mode", "auto")))
    return Template(fields, str(data.get("name", "")))


def load_template(path: str | os.PathLike) -> Template:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read template {os.fspath(path)!r}: {exc}") from None
    return template_from_json(text)


def save_template(template: Template, path: str | os.PathLike) -> None:
    """Write atomically: a crash mid-save leaves the previous file intact."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(template.to_json())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@dataclass(frozen=True)
class ReadSettings:
    """What to read on every page of a batch: the mode, the fields (none: the whole page), and
    the review threshold (None: the model's, chosen on validation data)."""

    mode: str = "auto"
    fields: tuple[Field, ...] = ()
    review_below: float | None = None
