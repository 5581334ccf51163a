"""Bundle entry of ``digitdesk-cli``: the console twin of ``digitdesk classify`` for scripts.

A separate console executable because on Windows (and in a macOS .app) the windowed
``digitdesk`` has no console to print to. ``digitdesk-cli PATH ...`` reads like the installed
``digitdesk-cli``; ``digitdesk-cli --self-check`` and ``--version`` are passed to the app's
entry so their report is visible there too. ``freeze_support`` first, as the batch spawns its
worker processes from this executable.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    if sys.argv[1:2] in (["--self-check"], ["--version"], ["classify"]):
        from digitdesk.__main__ import main
    else:
        from digitdesk.cli import main

    sys.exit(main())
