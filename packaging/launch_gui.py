"""Bundle entry of ``digitdesk``: the app, ``classify``, ``--self-check`` and ``--version``.

PyInstaller needs a script, not an entry point. ``freeze_support`` must run first so that the
batch's worker processes (spawned as ``<bundle exe> --multiprocessing-fork ...``) become
workers instead of opening another window.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from digitdesk.__main__ import main

    sys.exit(main())
