"""Keep PySide6 from killing the interpreter on Python 3.11: give ``None`` a reference to spare.

PySide6 6.12 hands back ``None`` from every void method (``QPainter.setPen``, ``QLabel.setText``,
``QWidget.update``...) without taking a new reference to it, which is only correct on Python 3.12+
where ``None`` is immortal (PEP 683). On 3.11 each call drops one of None's references; a window
that paints for a minute reaches zero and CPython aborts with "none_dealloc: deallocating None".

Measured here: ``sys.getrefcount(None)`` falls by exactly one per call. Until PySide6 is fixed (or
the app requires 3.12), None gets a reference count so large that no session can exhaust it,
which is what 3.12 does for it by design. Nothing happens on 3.12 and later.
"""

from __future__ import annotations

import ctypes
import sys

# 2**50 calls at a billion a second would take two weeks; the refcount field is 64-bit.
SPARE_REFERENCES = 1 << 50
applied = False


def apply() -> bool:
    """Raise None's reference count once per process; True if it was needed and done."""
    global applied
    if applied or sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return applied
    refcnt = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is the first field of PyObject
    if abs(refcnt.value - sys.getrefcount(None)) > 16:
        return False  # not the layout we expect (a debug or exotic build): touch nothing
    refcnt.value += SPARE_REFERENCES
    applied = True
    return True


apply()
