"""``python -m tests.synth OUT --count N [--seed S]``: write cheque scans, template.json, truth.csv."""

import argparse

from .files import FORMATS, write_cheques


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.synth", description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ", ".join(FORMATS))
    parser.add_argument("--multipage-every", type=int, default=0)
    args = parser.parse_args(argv)
    rows = write_cheques(args.folder, args.count, args.seed, args.formats.split(","), args.multipage_every)
    print(f"wrote {len(rows)} scans to {args.folder} (template.json, truth.csv)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
