"""Command line: ``python -m referral_directory {resolve,find,import,export,stats,hotlines}``.

Exit codes: 0 ok (including an ambiguous place, which is an answer), 1 not found or invalid data,
2 usage error.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from typing import Any, List, Optional, Sequence, TextIO

from .categories import CATEGORIES
from .places import Place, Point, Resolution
from .text import BANGLA_DIGITS

OK, NOT_FOUND, USAGE = 0, 1, 2
_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[, ]\s*([-+]?\d+(?:\.\d+)?)\s*$")

EPILOG = """examples:
  python -m referral_directory resolve "আমি যশোরে থাকি"
  python -m referral_directory find Jashore --category legal_aid --json
  python -m referral_directory find 23.17,89.21 --category shelter --limit 5 --staff
  python -m referral_directory import new_services.csv --dry-run
  python -m referral_directory export services_backup.csv
  python -m referral_directory stats

database: --database-url, else $DATABASE_URL, else var/referral.db under the project root.
exit codes: 0 ok, 1 not found / invalid data, 2 usage error."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m referral_directory",
        description="Bangladesh referral directory: resolve place names, find the nearest services, "
                    "import/export the service list, report coverage.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", help="SQLAlchemy URL (default: $DATABASE_URL or var/referral.db)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    r = sub.add_parser("resolve", help="free text -> division/district/upazila (no database needed)",
                       description="Resolve a place name or a sentence mentioning one (Bangla, English, "
                                   "Banglish). Exit 1 when nothing is recognised.")
    r.add_argument("text", nargs="+", help="the text (several words are joined)")
    r.add_argument("--json", action="store_true", help="print JSON")

    f = sub.add_parser("find", help="nearest services to a place or a lat,lon point",
                       description="Nearest services of a category. User-facing by default: only verified "
                                   "rows; --staff adds unverified rows, marked.")
    f.add_argument("origin", metavar="PLACE_OR_LAT,LON", nargs="+", help='a place ("Jashore") or "23.17,89.21"')
    f.add_argument("--category", "-c", choices=CATEGORIES, help="service category (default: all)")
    f.add_argument("--limit", "-n", type=int, default=3, help="how many results (default 3)")
    f.add_argument("--staff", action="store_true", help="internal staff view: include unverified rows")
    f.add_argument("--json", action="store_true", help="print JSON")

    i = sub.add_parser("import", help="validate and upsert services from a CSV (all rows or none)",
                       description="Validate EVERY row first (required fields, category, phones, "
                                   "coordinates, district/upazila); write nothing unless all rows are valid. "
                                   "Upserts by id, else by name_en + district.")
    i.add_argument("file", help="CSV file (the columns that export writes; the shipped services.csv works)")
    i.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    i.add_argument("--verified-on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                   help="date to store for verified rows that have no verified_on")
    i.add_argument("--json", action="store_true", help="print JSON")

    e = sub.add_parser("export", help="write all services as CSV (the import format)")
    e.add_argument("file", nargs="?", help="output file (default: stdout)")

    s = sub.add_parser("stats", help="counts per category and district; districts without verified services")
    s.add_argument("--json", action="store_true", help="print JSON")

    h = sub.add_parser("hotlines", help="national hotlines (verified and current only, unless --staff)")
    h.add_argument("--staff", action="store_true", help="all rows, with their verified/current flags")
    h.add_argument("--json", action="store_true", help="print JSON")
    return p


def _print_json(obj: Any, out: TextIO) -> None:
    json.dump(obj, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def _place_line(p: Place) -> str:
    where = {"division": "division", "district": f"district, {p.division} division",
             "upazila": f"upazila of {p.district}"}[p.level]
    name = p.label() if p.level != "division" else p.division
    return f"{name} ({where}, {p.name_bn}) - confidence {p.confidence:.2f}"


def _resolution_text(r: Resolution) -> str:
    if r.status == "found":
        return "found: " + _place_line(r.place)
    if r.status == "ambiguous":
        lines = [f"ambiguous: {len(r.candidates)} places match; ask which one:"]
        lines += [f"  {n}. {_place_line(c)}" for n, c in enumerate(r.candidates[:15], 1)]
        if len(r.candidates) > 15:
            lines.append(f"  ... and {len(r.candidates) - 15} more (use --json)")
        return "\n".join(lines)
    return f"not found: no place recognised in {r.text!r}"


def _open(args: argparse.Namespace):
    from .directory import Directory

    return Directory.open(args.database_url)


def cmd_resolve(args: argparse.Namespace, out: TextIO) -> int:
    from .resolve import resolve_text

    r = resolve_text(" ".join(args.text))
    _print_json(r.to_dict(), out) if args.json else print(_resolution_text(r), file=out)
    return NOT_FOUND if r.status == "not_found" else OK


def cmd_find(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .geo import valid_coordinates
    from .resolve import resolve_text

    if args.limit < 1 or args.limit > 100:
        print("error: --limit must be between 1 and 100", file=err)
        return USAGE
    raw = " ".join(args.origin)
    m = _LATLON.match(raw.translate(BANGLA_DIGITS))
    if m:
        origin: Any = Point(float(m.group(1)), float(m.group(2)))
        if not valid_coordinates(origin.lat, origin.lon):
            print(f"error: {raw!r} is not a valid latitude,longitude", file=err)
            return NOT_FOUND
    else:
        res = resolve_text(raw)
        if res.status != "found":
            if args.json:
                _print_json({"error": f"place {res.status}", "resolution": res.to_dict()}, out)
            else:
                print(_resolution_text(res), file=out)
            return NOT_FOUND
        origin = res.place
    d = _open(args)
    try:
        result = d.nearest(origin, args.category, args.limit, staff=args.staff)
    finally:
        d.close()
    if args.json:
        _print_json(result.to_dict(), out)
    else:
        _print_find(result, out)
    return OK if result.results or result.nationwide else NOT_FOUND


def _print_find(result: Any, out: TextIO) -> None:
    o = result.origin
    where = o.label() if isinstance(o, Place) else f"{o.lat:.5f},{o.lon:.5f}"
    cat = result.category or "any service"
    print(f"Nearest {cat} to {where}{' (staff view, includes UNVERIFIED rows)' if result.staff else ''}:", file=out)
    if result.outside:
        print("  note: this point looks outside Bangladesh; distances are to services in Bangladesh", file=out)
    if not result.results:
        print("  none with a known location", file=out)
    for n, r in enumerate(result.results, 1):
        dist = f"{r.distance_km:.1f} km"
        if r.coord_precision == "district":
            dist += " (to the district HQ; exact location unknown)"
        elif r.coord_precision == "upazila":
            dist += " (to the upazila centre)"
        place = ", ".join(x for x in (r.upazila, r.district) if x)
        flag = "" if r.verified else " [UNVERIFIED - do not give to users]"
        print(f"  {n}. {r.name_en}{flag} - {place} - {dist}", file=out)
        if r.address:
            print(f"     address: {r.address}", file=out)
        print(f"     phones: {', '.join(r.phones) if r.phones else 'none listed'}; "
              f"last verified: {r.verified_on or 'never'}", file=out)
    if result.widened and result.results:
        print(f"  note: nothing within {result.near_km:.0f} km; these are the nearest found", file=out)
    for r in result.nationwide:
        flag = "" if r.verified else " [UNVERIFIED]"
        print(f"  everywhere: {r.name_en}{flag}{' - ' + r.address if r.address else ''}", file=out)


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    if not Path(args.file).is_file():
        print(f"error: no such file: {args.file}", file=out)
        return NOT_FOUND
    d = _open(args)
    try:
        rep = d.import_csv(args.file, dry_run=args.dry_run, verified_on=args.verified_on)
    finally:
        d.close()
    if args.json:
        _print_json(rep.to_dict(), out)
    elif rep.problems:
        print(f"{len(rep.problems)} problem(s) in {args.file}; nothing was written:", file=out)
        for p in rep.problems:
            print(f"  {p}", file=out)
    else:
        verb = "would insert" if rep.dry_run else "inserted"
        print(f"{rep.rows} rows valid; {verb} {rep.inserted}, "
              f"{'would update' if rep.dry_run else 'updated'} {rep.updated}, unchanged {rep.unchanged}"
              f"{' (dry run: nothing written)' if rep.dry_run else ''}", file=out)
    return OK if rep.ok else NOT_FOUND


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    d = _open(args)
    try:
        if args.file:
            with open(args.file, "w", encoding="utf-8", newline="") as fh:
                n = d.export_csv(fh)
            print(f"exported {n} services to {args.file}", file=err)
        else:
            d.export_csv(out)
    finally:
        d.close()
    return OK


def cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    d = _open(args)
    try:
        s = d.stats()
    finally:
        d.close()
    if args.json:
        _print_json(s, out)
        return OK
    print(f"{s['total']} services, {s['verified']} verified", file=out)
    print("By category (total / verified):", file=out)
    for c, v in s["by_category"].items():
        print(f"  {c:18} {v['total']:5} / {v['verified']}", file=out)
    print("By district (total / verified):", file=out)
    for c, v in s["by_district"].items():
        print(f"  {c:18} {v['total']:5} / {v['verified']}", file=out)
    print("Districts with no verified service:", file=out)
    for c, ds in s["districts_without_verified"].items():
        print(f"  {c} ({len(ds)}): {', '.join(ds) if ds else '-'}", file=out)
    return OK


def cmd_hotlines(args: argparse.Namespace, out: TextIO) -> int:
    d = _open(args)
    try:
        rows = d.hotlines(staff=args.staff)
    finally:
        d.close()
    if args.json:
        _print_json([h.to_dict() for h in rows], out)
    else:
        for h in rows:
            flags = "" if (h.verified and h.current) else \
                f" [{'verified' if h.verified else 'UNVERIFIED'}, {'current' if h.current else 'NOT CURRENT'}]"
            print(f"{h.number or '(no number)':>15}  {h.name_en}{flags}", file=out)
    return OK if rows else NOT_FOUND


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    """Run the CLI; returns the exit code (argparse usage errors give 2)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as e:  # --help (0) or a usage error (2)
        return int(e.code or 0)
    if args.command == "resolve":
        return cmd_resolve(args, out)
    if args.command == "find":
        return cmd_find(args, out, err)
    if args.command == "import":
        return cmd_import(args, out)
    if args.command == "export":
        return cmd_export(args, out, err)
    if args.command == "stats":
        return cmd_stats(args, out)
    return cmd_hotlines(args, out)


def run(argv: Optional[List[str]] = None) -> None:
    sys.exit(main(argv))
