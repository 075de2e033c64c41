"""Staff tools in Telegram (private chats) and in the local web chat.

Who is staff: in Telegram, users whose keyed hash (bot.privacy.sender_id("telegram", user id)) is in
STAFF_IDS (comma-separated; print yours with ``python -m bot.staff hash TELEGRAM_USER_ID``, which uses the
same SENDER_ID_SECRET as the bot). In the web chat, a session becomes staff by sending
``/staff STAFF_TOKEN`` (the token comes from the environment). No passwords live in the repository.

Commands: /staff (this list), /find PLACE CATEGORY (the ranking as staff see it, unverified rows marked),
/report (trends and coverage, backoffice.reports), /stale (entries to phone: never confirmed by staff, or
confirmed over 12 months ago), /coverage (text + PNG chart), /export (the directory as CSV), /import
(a CSV document sent with the caption /import, or /import as a reply to one: validated in full, written
all or nothing, each change kept in the history under the staff member's hash). To anyone else these
are unknown commands: they get the same polite "unknown command, see /help" as any other unknown
command, and the commands are not advertised.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, MessageHandler, filters

from bot.chat_memory import remember
from bot.messages import messages
from bot.privacy import sender_id
from bot.state import BotState

logger = logging.getLogger(__name__)

STAFF_COMMANDS = ("staff", "find", "report", "stale", "coverage", "export", "import")
WEB_COMMANDS = ("staff", "find", "report", "stale", "coverage")  # files (export/import) are Telegram only
HANDLER_GROUP = -1  # before the user-facing handlers, so a staff command never reaches Rasa
FIND_LIMIT = 5
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 15
MAX_TEXT = 4000


# -- who is staff -------------------------------------------------------------------------------------

def staff_ids_from_env() -> frozenset[str]:
    return frozenset(v.strip().lower() for v in os.environ.get("STAFF_IDS", "").split(",") if v.strip())


def is_staff(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    """Whether this Telegram user is on the allowlist (compared as keyed hashes; raw ids are never kept)."""
    ids: frozenset[str] = context.bot_data.staff_ids
    return bool(ids) and sender_id("telegram", user_id) in ids


def staff_token_ok(given: str, token: Optional[str] = None) -> bool:
    """The web chat's STAFF_TOKEN check (constant time); never true when no token is configured."""
    expected = token if token is not None else os.environ.get("STAFF_TOKEN", "")
    return bool(expected) and hmac.compare_digest(given.strip().encode(), expected.encode())


def lang_of(update: Update) -> str:
    code = (update.effective_user.language_code or "") if update.effective_user else ""
    return "bn" if code.lower().startswith("bn") else "en"


def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


# -- the commands as plain functions (shared by Telegram and the web chat) ----------------------------

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


def find_text(directory: Any, args: str, lang: str) -> str:
    """/find: the staff ranking (unverified rows included and marked), or why there is none."""
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
    for i, r in enumerate(result.results, 1):
        lines.append(service_lines(i, r))
    if result.widened and result.results:
        lines.append(m["staff_find_widened"].format(km=f"{result.near_km:g}"))
    if result.nationwide:
        lines.append(m["staff_find_nationwide"])
        lines += [service_lines("•", r) for r in result.nationwide]
    return clip("\n".join(lines))


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


def stale_report(directory: Any, lang: str) -> str:
    from referral_directory.upkeep import stale_text

    return clip(stale_text(directory.stale(), lang))


def coverage_report(directory: Any, lang: str, png: Optional[Path] = None) -> str:
    """Coverage as text; with ``png``, the chart is written there too."""
    from referral_directory.upkeep import coverage_png, coverage_text

    coverage = directory.coverage()
    if png is not None:
        coverage_png(coverage, png)
    return clip(coverage_text(coverage, lang))


async def report(lang: str, tracker_db: Any = None) -> str:
    """/report: the latest trends and coverage summary (backoffice.reports)."""
    from backoffice.reports import report_text

    kwargs = {"db": tracker_db} if tracker_db is not None else {}
    return clip(await asyncio.to_thread(report_text, lang, **kwargs))


def help_text() -> str:
    return messages()["staff_help"]


def import_reply(report_: Any) -> str:
    m = messages()
    if report_.ok:
        return m["staff_import_ok"].format(added=report_.added, changed=report_.changed, unchanged=report_.unchanged)
    shown = [f"• {p}" for p in report_.problems[:MAX_PROBLEMS_SHOWN]]
    more = len(report_.problems) - len(shown)
    if more > 0:
        shown.append(m["staff_import_more"].format(n=more))
    return clip(m["staff_import_failed"].format(n=len(report_.problems), problems="\n".join(shown)))


# -- Telegram -----------------------------------------------------------------------------------------

async def directory_of(state: BotState) -> Any:
    """The front end's own Directory (same database as the action server: ``directory_url``, else
    DATABASE_URL), opened once, on first use."""
    async with state.directory_lock:
        if state.directory is None:
            from referral_directory import Directory

            state.directory = await asyncio.to_thread(Directory.open, state.directory_url)
    return state.directory


async def on_staff_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff commands for allowlisted staff in private chats; anyone else falls through to "unknown command"."""
    user = update.effective_user
    if user is None or not is_staff(context, user.id):
        return
    message = update.effective_message
    command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
    args = (message.text or "").partition(" ")[2].strip()
    lang = lang_of(update)
    chat_id = update.effective_chat.id
    logger.info("staff command /%s", command)  # which command only: never arguments or ids
    if command == "staff":
        await context.bot.send_message(chat_id, help_text())
    elif command == "find":
        directory = await directory_of(context.bot_data)
        await context.bot.send_message(chat_id, await asyncio.to_thread(find_text, directory, args, lang))
    elif command == "report":
        conversations = context.bot_data.conversations
        await context.bot.send_message(chat_id, await report(lang, getattr(conversations, "engine", None)))
    elif command == "stale":
        directory = await directory_of(context.bot_data)
        await context.bot.send_message(chat_id, await asyncio.to_thread(stale_report, directory, lang))
    elif command == "coverage":
        directory = await directory_of(context.bot_data)
        with tempfile.TemporaryDirectory() as tmp:
            png = Path(tmp) / "coverage.png"
            text = await asyncio.to_thread(coverage_report, directory, lang, png)
            await context.bot.send_message(chat_id, text)
            with open(png, "rb") as fh:
                await context.bot.send_photo(chat_id, fh, caption=messages()["staff_coverage_caption"])
    elif command == "export":
        await send_export(context, chat_id)
    elif command == "import":
        replied = message.reply_to_message
        if replied is None or replied.document is None:
            await context.bot.send_message(chat_id, messages()["staff_import_usage"])
        else:
            await run_import(context, chat_id, replied.document, user.id)
    raise ApplicationHandlerStop


async def send_export(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    directory = await directory_of(context.bot_data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"referral_directory_{dt.date.today().isoformat()}.csv"

        def write() -> int:
            # utf-8-sig: spreadsheets then show Bangla correctly; the importer strips the BOM
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                return directory.export_csv(fh)

        rows = await asyncio.to_thread(write)
        with open(path, "rb") as fh:
            await context.bot.send_document(chat_id, fh, filename=path.name,
                                            caption=messages()["staff_export_caption"].format(rows=rows))


async def run_import(context: ContextTypes.DEFAULT_TYPE, chat_id: int, document: Any, user_id: int) -> None:
    """Download the CSV, validate every row and write all or nothing, as this staff member's hash."""
    if document.file_size and document.file_size > MAX_IMPORT_BYTES:
        await context.bot.send_message(chat_id, messages()["staff_import_too_big"])
        return
    directory = await directory_of(context.bot_data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.csv"
        tg_file = await context.bot.get_file(document.file_id)
        await tg_file.download_to_drive(path)
        report_ = await asyncio.to_thread(directory.import_csv, path,
                                          changed_by=sender_id("telegram", user_id))
    logger.info("staff import: ok=%s", report_.ok)
    await context.bot.send_message(chat_id, import_reply(report_))


async def on_import_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document sent with the caption /import: staff get the import, anyone else "unknown command"."""
    user = update.effective_user
    if user is None or not is_staff(context, user.id):
        await context.bot.send_message(update.effective_chat.id, messages()["unknown_command"])
    else:
        await run_import(context, update.effective_chat.id, update.effective_message.document, user.id)
    raise ApplicationHandlerStop


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any command no handler took (including staff commands from non-staff): a polite pointer to /help."""
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        sent = await context.bot.send_message(update.effective_chat.id, messages()["unknown_command"])
        remember(context.chat_data, sent.message_id)  # so that /exit deletes it too


def register(app: Application, directory_url: Optional[str] = None, staff_ids: Optional[frozenset] = None) -> None:
    """Install the allowlist (STAFF_IDS unless given) and the staff handlers, before the user handlers.
    The "unknown command" handler is added by build_application after every other command."""
    app.bot_data.staff_ids = staff_ids if staff_ids is not None else staff_ids_from_env()
    app.bot_data.directory_url = directory_url
    app.bot_data.directory = None
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(list(STAFF_COMMANDS), on_staff_command, filters=private), group=HANDLER_GROUP)
    app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)") & private,
                                   on_import_document), group=HANDLER_GROUP)


# -- web chat -----------------------------------------------------------------------------------------

async def web_command(state: dict, sender: str, text: str, lang: str = "en") -> Optional[list[dict]]:
    """Staff commands in the web chat. ``state`` is the web app's dict (it keeps the staff sessions, by
    hashed session id, in memory). None: not a staff command here, so the message goes to Rasa as usual."""
    words = text.strip().split(maxsplit=1)
    command = words[0].lstrip("/").lower() if words and words[0].startswith("/") else ""
    args = words[1] if len(words) > 1 else ""
    sessions: set = state.setdefault("staff_sessions", set())
    if command == "staff" and sender not in sessions:
        if staff_token_ok(args):
            sessions.add(sender)
            return [{"text": messages()["staff_web_welcome"] + "\n\n" + help_text()}]
        return [{"text": messages()["unknown_command"]}]
    if sender not in sessions or command not in WEB_COMMANDS:
        return None
    if command == "staff":
        return [{"text": help_text()}]
    if command == "report":
        return [{"text": await report(lang)}]
    directory = await directory_of(state.setdefault("directory", BotState()))  # DATABASE_URL, opened once
    if command == "find":
        return [{"text": await asyncio.to_thread(find_text, directory, args, lang)}]
    if command == "stale":
        return [{"text": await asyncio.to_thread(stale_report, directory, lang)}]
    return [{"text": await asyncio.to_thread(coverage_report, directory, lang)}]


# -- CLI ----------------------------------------------------------------------------------------------

def main(argv: Optional[list[str]] = None) -> int:
    """``python -m bot.staff hash TELEGRAM_USER_ID``: the value to put in STAFF_IDS for that user."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "hash" or not argv[1].strip().lstrip("-").isdigit():
        print("usage: python -m bot.staff hash TELEGRAM_USER_ID   (prints the STAFF_IDS entry; uses SENDER_ID_SECRET)",
              file=sys.stderr)
        return 2
    print(sender_id("telegram", int(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
