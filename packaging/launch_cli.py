"""Bundle entry of ``digitdesk-cli`` (the console twin of ``digitdesk classify``).

A separate console executable because on Windows the windowed ``digitdesk.exe`` has no
stdout; ``freeze_support`` first, as the batch spawns worker processes from this executable.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from digitdesk.cli import main

    sys.exit(main())
