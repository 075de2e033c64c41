"""The staff commands, once, for every front end: Telegram (bot/staff.py), the web chat and this CLI.

Each command is one entry in COMMANDS: a name, the key of its line in the help, and a function from a
StaffRequest to a StaffReply (text, plus files to attach). The front ends only check who is staff
(backoffice/access.py), fill in the request and render the reply, so adding a command is one table entry and
one help line in backoffice/messages.yml. Nothing here knows about Telegram or HTTP; the commands block on
the database, so async front ends call ``run`` through ``asyncio.to_thread``.

CLI (the same table against DATABASE_URL; ``--help`` lists it)::

    python -m backoffice.staff hash TELEGRAM_USER_ID      # the STAFF_IDS entry for that user (SENDER_ID_SECRET)
    python -m backoffice.staff find Jashore legal_aid
    python -m backoffice.staff stale | coverage | report
    python -m backoffice.staff export [FILE]
    python -m backoffice.staff import FILE [--dry-run]   # history under changed_by "cli"
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Optional

from contract.identity import sender_id
from contract.text import read_yaml

if TYPE_CHECKING:
    from referral_directory import Directory

FIND_LIMIT = 5
MAX_PROBLEMS_SHOWN = 15
MAX_CHANGES_SHOWN = 15
MAX_TEXT = 4000  # Telegram's limit is 4096
DRY_RUN_WORDS = {"dry", "dry-run", "--dry-run"}
CLI_CHANGED_BY = "cli"


@lru_cache(maxsize=1)
def messages() -> dict[str, str]:
    """The staff texts (backoffice/messages.yml): the back office does not read the bot's own texts."""
    return read_yaml(Path(__file__).with_name("messages.yml"))


# -- the directory the commands work on ----------------------------------------------------------------------

@dataclass
class DirectoryOnDemand:
    """The referral directory a front end opens once, on first staff use, not at start (most runs have no
    staff at all): ``url``, else DATABASE_URL, the same database as the action server's."""

    url: Optional[str] = None
    _directory: Optional[Directory] = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def is_open(self) -> bool:
        return self._directory is not None

    async def get(self) -> Directory:
        async with self._lock:
            if self._directory is None:
                from referral_directory import Directory

                self._directory = await asyncio.to_thread(Directory.open, self.url)
        return self._directory

    def close(self) -> None:
        if self._directory is not None:
            self._directory.close()
            self._directory = None


# -- what a command gets and gives ------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    """A file a command made in the request's workdir; the front end sends it (or points elsewhere)."""

    path: Path
    filename: str
    kind: Literal["photo", "document"]
    caption: str = ""


@dataclass
class StaffReply:
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    ok: bool = True  # False: the command could not do what was asked (e.g. an import with problems)


@dataclass
class StaffRequest:
    """One staff command call. ``staff_hash`` is the keyed sender hash (or "cli"), kept as changed_by in the
    directory's history; ``workdir`` is a directory the front end deletes after sending the attachments."""

    args: str
    lang: str
    staff_hash: str
    directory: Directory
    workdir: Path
    upload: Optional[Path] = None
    tracker_db: Any = None  # an Engine or URL for /report; None: TRACKER_DB_URL


@dataclass(frozen=True)
class StaffCommand:
    name: str
    summary_key: str
    run: Callable[[StaffRequest], StaffReply]
    needs_upload: bool = False  # the front end hands over a file (request.upload)
    makes_files: bool = False   # the reply carries attachments


def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


# -- the commands ---------------------------------------------------------------------------------------

def help_text() -> str:
    """The command list, built from COMMANDS so that it can never miss or invent a command."""
    m = messages()
    return "\n".join([m["staff_help"]] + [f"/{c.name} {m[c.summary_key]}" for c in COMMANDS.values()])


def show_help(request: StaffRequest) -> StaffReply:
    return StaffReply(help_text())


def parse_find(args: str) -> tuple[str, Optional[str]]:
    """"Cox's Bazar legal aid" -> ("Cox's Bazar", "legal_aid"): the category is the last (or first) one
    to three words that name one (English, Bangla or the canonical name)."""
    from referral_directory.categories import canonical

    words = args.split()
    for k in (3, 2, 1):
        if len(words) > k:
            cat = canonical(" ".join(words[-k:]))
            if cat:
                return " ".join(words[:-k]), cat
            cat = canonical(" ".join(words[:k]))
            if cat:
                return " ".join(words[k:]), cat
    return args.strip(), None


def find_text(directory: Directory, args: str) -> str:
    """The staff ranking (the users' ranking with unverified rows included and marked), or why there is none."""
    from referral_directory import CATEGORIES, Directory
    from referral_directory.upkeep import category_label

    m = messages()
    place_text, category = parse_find(args)
    categories = ", ".join(f"{c} ({category_label(c, 'bn')})" for c in CATEGORIES)
    if not place_text or category is None:
        return m["staff_find_usage"].format(categories=categories)
    resolution = Directory.resolve(place_text)
    if resolution.status == "ambiguous":
        options = "\n".join(f"• {c.label()} / {c.name_bn} ({c.level})" for c in resolution.candidates[:8])
        return m["staff_find_ambiguous"].format(place=place_text, options=options)
    if not resolution.found:
        return m["staff_find_not_found"].format(place=place_text)
    place = resolution.place
    result = directory.nearest(place, category, limit=FIND_LIMIT, staff=True)
    lines = [m["staff_find_header"].format(place=place.label(), place_bn=place.name_bn, level=place.level,
                                           precision=place.precision, category=category,
                                           category_bn=category_label(category, "bn"))]
    if not result.results and not result.nationwide:
        lines.append(m["staff_find_none"])
    lines += [service_lines(i, r) for i, r in enumerate(result.results, 1)]
    if result.widened and result.results:
        lines.append(m["staff_find_widened"].format(km=f"{result.near_km:g}"))
    if result.nationwide:
        lines.append(m["staff_find_nationwide"])
        lines += [service_lines("•", r) for r in result.nationwide]
    return "\n".join(lines)


def service_lines(n: object, r: Any) -> str:
    m = messages()
    mark = m["staff_mark_verified"] if r.verified else m["staff_mark_unverified"]
    distance = "-" if r.distance_km is None else f"{r.distance_km:.1f} km"
    if r.distance_km is not None and r.coord_precision == "district":
        distance += " " + m["staff_to_district_hq"]
    return m["staff_find_row"].format(
        n=n, mark=mark, name=r.name_en, name_bn=r.name_bn or "-", distance=distance,
        precision=r.coord_precision or "-", listed_on=r.listed_on.isoformat() if r.listed_on else "-",
        confirmed_on=r.confirmed_on.isoformat() if r.confirmed_on else m["staff_never_confirmed"],
        source=r.source or "-", phones=", ".join(r.phones) or "-", where=", ".join(
            p for p in (r.upazila, r.district) if p) or "-")


def find(request: StaffRequest) -> StaffReply:
    return StaffReply(find_text(request.directory, request.args))


def report(request: StaffRequest) -> StaffReply:
    """The latest trends (suppressed) and the coverage summary (backoffice.reports)."""
    from backoffice.reports import report_text

    kwargs = {"db": request.tracker_db} if request.tracker_db is not None else {}
    return StaffReply(report_text(request.lang, **kwargs))


def stale(request: StaffRequest) -> StaffReply:
    """The entries to phone: never confirmed by staff, or confirmed over 12 months ago."""
    from referral_directory.upkeep import stale_text

    return StaffReply(stale_text(request.directory.stale(), request.lang))


def coverage(request: StaffRequest) -> StaffReply:
    """What is missing per district and category, as text and a chart."""
    from referral_directory.upkeep import coverage_png, coverage_text

    cov = request.directory.coverage()
    png = request.workdir / "coverage.png"
    coverage_png(cov, png)
    return StaffReply(coverage_text(cov, request.lang),
                      [Attachment(png, png.name, "photo", messages()["staff_coverage_caption"])])


def export(request: StaffRequest) -> StaffReply:
    """The whole directory in the import format; the file is the answer (no text)."""
    path = request.workdir / f"referral_directory_{dt.date.today().isoformat()}.csv"
    # utf-8-sig: spreadsheets then show Bangla correctly; the importer strips the BOM
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        rows = request.directory.export_csv(fh)
    return StaffReply("", [Attachment(path, path.name, "document",
                                      messages()["staff_export_caption"].format(rows=rows))])


def import_csv(request: StaffRequest) -> StaffReply:
    """Validate every row of the uploaded CSV, then write all or nothing under the staff member's hash;
    with ``dry`` (or --dry-run) in the arguments, show what would change and write nothing."""
    if request.upload is None:
        return StaffReply(messages()["staff_import_usage"], ok=False)
    dry_run = bool(DRY_RUN_WORDS & set(request.args.lower().split()))
    result = request.directory.import_csv(request.upload, dry_run=dry_run, changed_by=request.staff_hash)
    return StaffReply(import_reply(result), ok=result.ok)


def import_reply(result: Any) -> str:
    """An ImportReport as a chat message: the counts and each added or changed row (or the problems)."""
    m = messages()
    if not result.ok:
        shown = [f"• {p}" for p in result.problems[:MAX_PROBLEMS_SHOWN]]
        if len(result.problems) > len(shown):
            shown.append(m["staff_import_more"].format(n=len(result.problems) - len(shown)))
        return m["staff_import_failed"].format(n=len(result.problems), problems="\n".join(shown))
    summary = m["staff_import_dry_run" if result.dry_run else "staff_import_ok"].format(
        added=result.added, changed=result.changed, unchanged=result.unchanged)
    lines = [change_line(c) for c in result.changes[:MAX_CHANGES_SHOWN]]
    if len(result.changes) > len(lines):
        lines.append(m["staff_import_more"].format(n=len(result.changes) - len(lines)))
    return "\n".join([summary] + lines)


def change_line(change: dict) -> str:
    m = messages()
    if change["action"] == "added":
        return m["staff_import_added"].format(service_id=change["service_id"], name=change["name_en"])
    fields = "; ".join(m["staff_import_field"].format(field=f["field"], old=f["old"] or m["staff_import_empty"],
                                                      new=f["new"] or m["staff_import_empty"])
                       for f in change["fields"])
    return m["staff_import_changed"].format(service_id=change["service_id"], fields=fields)


COMMANDS: dict[str, StaffCommand] = {c.name: c for c in (
    StaffCommand("staff", "staff_help_staff", show_help),
    StaffCommand("find", "staff_help_find", find),
    StaffCommand("report", "staff_help_report", report),
    StaffCommand("stale", "staff_help_stale", stale),
    StaffCommand("coverage", "staff_help_coverage", coverage, makes_files=True),
    StaffCommand("export", "staff_help_export", export, makes_files=True),
    StaffCommand("import", "staff_help_import", import_csv, needs_upload=True),
)}


def run(name: str, request: StaffRequest) -> StaffReply:
    """Run one command of the table (blocking: database work and charts). Unknown names raise KeyError:
    front ends only route the table's names here."""
    reply = COMMANDS[name].run(request)
    return StaffReply(clip(reply.text), reply.attachments, reply.ok)


# -- CLI ------------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m backoffice.staff",
                                     description="The staff commands (as in Telegram) against DATABASE_URL.")
    sub = parser.add_subparsers(dest="command", required=True)
    hash_ = sub.add_parser("hash", help="print the STAFF_IDS entry for a Telegram user (uses SENDER_ID_SECRET)")
    hash_.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    for command in COMMANDS.values():
        p = sub.add_parser(command.name, help=messages()[command.summary_key].lstrip("– "))
        if command.needs_upload:
            p.add_argument("file", type=Path, help="the file to upload (e.g. the edited CSV)")
            p.add_argument("--dry-run", action="store_true", help="validate and show the changes, write nothing")
        elif command.makes_files:
            p.add_argument("file", type=Path, nargs="?", help="where to write the file (default: --out/NAME)")
        p.add_argument("words", nargs="*", help="the arguments, as in Telegram (find Jashore legal_aid)")
        p.add_argument("--out", type=Path, default=Path("."), help="folder for the files made (default: .)")
        p.add_argument("--lang", choices=("en", "bn"), default="en")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    """Exit codes: 0 done, 1 the command failed (an import with problems writes nothing), 2 usage."""
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "hash":
        print(sender_id("telegram", args.user_id))
        return 0
    from referral_directory import Directory

    command = COMMANDS[args.command]
    upload = args.file if command.needs_upload else None
    if upload is not None and not upload.is_file():
        print(f"error: no such file: {upload}", file=sys.stderr)
        return 2
    words = " ".join(args.words + (["--dry-run"] if getattr(args, "dry_run", False) else []))
    with Directory.open() as directory, tempfile.TemporaryDirectory() as tmp:
        request = StaffRequest(args=words, lang=args.lang, staff_hash=CLI_CHANGED_BY, directory=directory,
                               workdir=Path(tmp), upload=upload)
        reply = run(command.name, request)
        if reply.text:
            print(reply.text)
        for i, attachment in enumerate(reply.attachments):
            target = args.file if i == 0 and command.makes_files and args.file else args.out / attachment.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(attachment.path), target)
            print(f"{attachment.caption or attachment.filename}\n-> {target}")
    return 0 if reply.ok else 1


if __name__ == "__main__":
    sys.exit(main())
