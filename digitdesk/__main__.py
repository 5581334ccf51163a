"""``digitdesk``: the desktop app; ``digitdesk classify ...``: the CLI; ``--self-check``; ``--version``.

One entry point for both, so an installed app bundle can be scripted too. Heavy imports happen
only on the path that needs them (the CLI never loads Qt, the GUI loads the model in the
background). ``digitdesk FILE...`` opens the app with those pictures read in the Images workspace,
``digitdesk FOLDER`` with the folder ready in Batch (the desktop entry's ``Exec=digitdesk %F``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitdesk",
        usage="digitdesk [--model FILE.onnx] [PICTURE ... | FOLDER]\n"
              "       digitdesk --self-check | --version\n"
              "       digitdesk classify ...",
        description="Read handwritten digits and numbers. Opens the desktop app; pictures named "
                    "are read in its Images workspace, a folder named is ready to read in Batch.",
        epilog="Batch reading from scripts: digitdesk classify --help. A picture file named "
               "'classify' opens as ./classify.",
    )
    parser.add_argument("--version", action="version", version=f"digitdesk {__version__}")
    parser.add_argument("--self-check", action="store_true",
                        help="load the model, read built-in samples, open and close the window offscreen; "
                             "exit 0 when all is well")
    parser.add_argument("--model", metavar="FILE.onnx", help="use another model than the shipped one")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] == "classify":
        from .cli import main as classify

        return classify(args_in[1:])
    # What argparse does not know is for the window: Qt's own options (-style ...) and the pictures
    # or folder to open, in their order; QApplication takes its options out (see gui.app.run).
    args, qt_args = _parser().parse_known_args(args_in)
    if args.self_check:
        from .self_check import self_check

        return self_check(args.model)
    from .gui.app import run

    return run(args.model, [sys.argv[0] if sys.argv else "digitdesk", *qt_args])


if __name__ == "__main__":
    sys.exit(main())
