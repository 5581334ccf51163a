"""The core's result statuses (:mod:`digitdesk.results`), named here without importing it.

``digitdesk.results`` pulls in numpy, which costs a good share of the start-up budget; the
window's filters and colours need only these four words. ``tests/test_gui_window.py`` checks that
they match the core's, so they cannot drift apart.
"""

OK, REVIEW, ERROR, CORRECTED = "ok", "review", "error", "corrected"
STATUSES = (OK, REVIEW, ERROR, CORRECTED)
