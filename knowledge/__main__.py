"""Command line: `python -m knowledge check` (validate content/kb/) and `build` (fit and cache the selector)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate every knowledge item (what `make content-check` runs)")
    sub.add_parser("build", help="fit the answer selector for the current content and cache it in models/")
    args = parser.parse_args(argv)
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
