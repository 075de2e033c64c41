"""Command line: ``python -m referral_directory {resolve,find,import,export,stats,hotlines,history,stale,
coverage}``.

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
  python -m referral_directory import services_backup.csv --by staff-7f3a   (after editing it)
  python -m referral_directory history district-legal-aid-office-jashore
  python -m referral_directory stale --months 12
  python -m referral_directory coverage --csv coverage.csv --png coverage.png
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
    i.add_argument("--listed-on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                   help="when the source was published or read, for verified rows without a listed_on "
                        "(never a confirmation date)")
    i.add_argument("--verified-on", dest="listed_on", type=dt.date.fromisoformat,
                   help=argparse.SUPPRESS)  # the old name of --listed-on
    i.add_argument("--by", default="cli", metavar="ID",
                   help="opaque id of who imports, stored in the change history (default: cli); never a name")
    i.add_argument("--json", action="store_true", help="print JSON")

    e = sub.add_parser("export", help="write all services as CSV (the import format)")
    e.add_argument("file", nargs="?", help="output file (default: stdout)")

    s = sub.add_parser("stats", help="counts per category and district; districts without verified services")
    s.add_argument("--json", action="store_true", help="print JSON")

    h = sub.add_parser("hotlines", help="national hotlines (verified and current only, unless --staff)")
    h.add_argument("--staff", action="store_true", help="all rows, with their verified/current flags")
    h.add_argument("--json", action="store_true", help="print JSON")

    hi = sub.add_parser("history", help="what imports changed, newest first (all services or one)",
                        description="The change history written by imports: one line per changed column "
                                    "(old -> new) or per added service, with who imported (an opaque id) "
                                    "and when (UTC).")
    hi.add_argument("service_id", nargs="?", metavar="SERVICE_ID",
                    help="only this service (its id, as in the export)")
    hi.add_argument("--limit", "-n", type=int, default=100, help="at most this many changes (default 100)")
    hi.add_argument("--lang", choices=("en", "bn"), default="en", help="language of the text output")
    hi.add_argument("--json", action="store_true", help="print JSON")

    st = sub.add_parser("stale", help="entries to phone: never confirmed, or confirmed over 12 months ago",
                        description="Entries to phone or visit, by the date staff last CONFIRMED them: "
                                    "confirmed longer ago than --months months (reason 'outdated'), listed "
                                    "from a source but never confirmed ('unconfirmed'; users see both), and "
                                    "without a source ('unverified', staff only). Most urgent first.")
    st.add_argument("--months", type=int, default=12, help="how recent a confirmation must be (default 12)")
    st.add_argument("--today", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                    help="report as of this date (default: today)")
    st.add_argument("--limit", "-n", type=int, default=50, help="lines of text output (default 50)")
    st.add_argument("--lang", choices=("en", "bn"), default="en", help="language of the text output")
    st.add_argument("--json", action="store_true", help="print JSON (every entry)")

    co = sub.add_parser("coverage", help="district x category coverage by verified services, and the gaps",
                        description="For every district and category: verified and unverified counts and "
                                    "whether a verified nationwide service covers it. Prints a short "
                                    "summary; --csv writes the full table, --png a chart.")
    co.add_argument("--csv", metavar="FILE", help="write the district x category table as CSV")
    co.add_argument("--png", metavar="FILE", help="write a PNG chart")
    co.add_argument("--chart", choices=("bars", "grid"), default="bars",
                    help="bars: districts with/without a verified service per category (default); "
                         "grid: district x category heat grid")
    co.add_argument("--lang", choices=("en", "bn"), default="en", help="language of the text summary")
    co.add_argument("--json", action="store_true", help="print JSON (the whole coverage table)")
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
              f"listed: {r.listed_on or '-'}; confirmed: {r.confirmed_on or 'never'}", file=out)
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
    from .importer import check_changed_by

    try:
        check_changed_by(args.by)
    except ValueError as e:
        print(f"error: --by: {e}", file=out)
        return USAGE
    d = _open(args)
    try:
        rep = d.import_csv(args.file, dry_run=args.dry_run, listed_on=args.listed_on, changed_by=args.by)
    finally:
        d.close()
    if args.json:
        _print_json(rep.to_dict(), out)
    elif rep.problems:
        print(f"{len(rep.problems)} problem(s) in {args.file}; nothing was written:", file=out)
        for p in rep.problems:
            print(f"  {p}", file=out)
    else:
        if rep.dry_run:
            print(f"{rep.rows} rows valid; would add {rep.added}, would change {rep.changed}, "
                  f"unchanged {rep.unchanged} (dry run: nothing written)", file=out)
        else:  # "inserted/updated" kept for scripts that read the older wording
            print(f"{rep.rows} rows valid; added {rep.added}, changed {rep.changed}, unchanged {rep.unchanged} "
                  f"(inserted {rep.inserted}, updated {rep.updated}; history by {args.by})", file=out)
        _print_changes(rep.changes, out)
    return OK if rep.ok else NOT_FOUND


def _shown(value: Optional[str]) -> str:
    return repr(value) if value else "(empty)"


def _print_changes(changes: List[dict], out: TextIO, limit: int = 50) -> None:
    for c in changes[:limit]:
        if c["action"] == "added":
            print(f"  + {c['service_id']}: {c['name_en']}", file=out)
        else:
            print(f"  ~ {c['service_id']}: " + "; ".join(
                f"{f['field']} {_shown(f['old'])} -> {_shown(f['new'])}" for f in c["fields"]), file=out)
    if len(changes) > limit:
        print(f"  ... and {len(changes) - limit} more", file=out)


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


def cmd_history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .upkeep import history_text

    if args.limit < 1:
        print("error: --limit must be at least 1", file=err)
        return USAGE
    d = _open(args)
    try:
        rows = d.history(args.service_id, limit=args.limit)
    finally:
        d.close()
    if args.json:
        _print_json(rows, out)
    else:
        print(history_text(rows, args.lang, limit=args.limit), file=out)
    return OK


def cmd_stale(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .upkeep import stale_text

    if args.months < 1 or args.limit < 1:
        print("error: --months and --limit must be at least 1", file=err)
        return USAGE
    d = _open(args)
    try:
        rows = d.stale(today=args.today, months=args.months)
    finally:
        d.close()
    if args.json:
        _print_json(rows, out)
    else:
        print(stale_text(rows, args.lang, months=args.months, limit=args.limit), file=out)
    return OK


def cmd_coverage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .upkeep import coverage_csv, coverage_png, coverage_text

    d = _open(args)
    try:
        cov = d.coverage()
    finally:
        d.close()
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as fh:
            n = coverage_csv(cov, fh)
        print(f"wrote {n} rows to {args.csv}", file=err)
    if args.png:
        coverage_png(cov, args.png, kind=args.chart)
        print(f"wrote {args.chart} chart to {args.png}", file=err)
    if args.json:
        _print_json(cov, out)
    else:
        print(coverage_text(cov, args.lang), file=out)
    return OK


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
    if args.command == "history":
        return cmd_history(args, out, err)
    if args.command == "stale":
        return cmd_stale(args, out, err)
    if args.command == "coverage":
        return cmd_coverage(args, out, err)
    return cmd_hotlines(args, out)


def run(argv: Optional[List[str]] = None) -> None:
    sys.exit(main(argv))
