"""Command line: `python -m knowledge check` (validate content/kb/), `build` (fit and cache the selector) and
`evaluate-selector` (the selector alone on the held-out questions; `evaluate-selector --help`)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate every knowledge item (what `make content-check` runs)")
    sub.add_parser("build", help="fit the answer selector for the current content and cache it in models/")
    sub.add_parser("evaluate-selector", add_help=False,
                   help="fit the selector on the training data and score it on the held-out questions (seconds)")
    args, rest = parser.parse_known_args(argv)
    if args.command == "evaluate-selector":
        from knowledge.evaluate import main as evaluate_main

        return evaluate_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "check":
        from knowledge.check import main as check_main

        return check_main()
    from knowledge.kb import knowledge_base
    from knowledge.selector import answer_selector

    kb = knowledge_base()
    answer_selector()
    print(f"Answer selector ready for {len(kb.items)} items.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
