"""Keep PySide6 from killing the interpreter on Python 3.11: give None, True and False spare references.

PySide6 6.12 hands back ``None`` from every void method (``QPainter.setPen``, ``QLabel.setText``,
``QWidget.update``...) and ``True`` from ``Signal.emit`` without taking a new reference, which is
only correct on Python 3.12+, where these singletons are immortal (PEP 683). On 3.11 each such
call drops one of their references; a window that paints and signals for a minute reaches zero
and CPython aborts ("none_dealloc: deallocating None", "bool_dealloc: deallocating True or False").

Measured here: ``sys.getrefcount(None)`` falls by one per ``setPen`` call, ``sys.getrefcount(True)``
by one per ``emit``. Until PySide6 is fixed (or the app requires 3.12), these singletons get a
reference count so large that no session can exhaust it, which is what 3.12 does for them by
design. Nothing happens on 3.12 and later, nor on builds whose object layout we do not recognise.
"""

from __future__ import annotations

import ctypes
import sys

# 2**50 dropped references at a billion a second would take two weeks; the field is 64-bit.
SPARE_REFERENCES = 1 << 50
SINGLETONS = (None, True, False, Ellipsis, NotImplemented)
applied = False


def apply() -> bool:
    """Raise the singletons' reference counts once per process; True if it was needed and done."""
    global applied
    if applied or sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return applied
    fields = [ctypes.c_ssize_t.from_address(id(obj)) for obj in SINGLETONS]  # ob_refcnt comes first
    if any(abs(f.value - sys.getrefcount(obj)) > 16 for f, obj in zip(fields, SINGLETONS)):
        return False  # not the layout we expect: touch nothing
    for field in fields:
        field.value += SPARE_REFERENCES
    applied = True
    return True


apply()
