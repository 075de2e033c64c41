"""The staff commands in Telegram (private chats) and in the local web chat: front ends over one table.

The commands themselves (what /find, /report, /stale, /coverage, /export and /import do, and the help)
are backoffice/staff.py's COMMANDS; who is staff is backoffice/access.py. This module only checks the
allowlist (Telegram) or the staff session (web chat), hands over an uploaded file, runs the command in a
thread and renders its reply. To anyone else the staff commands are unknown commands: they get the same
polite "unknown command, see /help" as any other, and the commands are not advertised.

- Telegram: users whose keyed hash is in STAFF_IDS (``python -m backoffice.staff hash TELEGRAM_USER_ID``).
  /import takes a CSV sent with the caption /import, or /import as a reply to one.
- Web chat: ``/staff STAFF_TOKEN`` logs the browser in (StaffSessions: the chat cookie becomes a fresh staff
  session id, which expires); files are not sent there, the reply points to the dashboard at /staff/.
"""
from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from telegram import Bot, Document, Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, MessageHandler, filters

from backoffice.access import LoginThrottle, StaffSessions, is_staff_hash, staff_ids_from_env, throttled_login
from backoffice.staff import COMMANDS, DirectoryOnDemand, StaffCommand, StaffReply, StaffRequest, help_text, run
from bot.chat_memory import remember
from bot.messages import messages
from bot.privacy import sender_id
from bot.state import BotState

logger = logging.getLogger(__name__)

HANDLER_GROUP = -1  # before the user-facing handlers, so a staff command never reaches Rasa
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMPORT_CAPTION = filters.CaptionRegex(r"^/(" + "|".join(n for n, c in COMMANDS.items() if c.needs_upload)
                                      + r")(@\w+)?(\s|$)")


def is_staff(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    """Whether this Telegram user is on the allowlist (compared as keyed hashes; raw ids are never kept)."""
    return is_staff_hash(sender_id("telegram", user_id), context.bot_data.staff_ids)


def lang_of(update: Update) -> str:
    code = (update.effective_user.language_code or "") if update.effective_user else ""
    return "bn" if code.lower().startswith("bn") else "en"


def command_of(text: str) -> tuple[str, str]:
    """"/find@bot Jashore shelter" -> ("find", "Jashore shelter")."""
    words = text.strip().split(maxsplit=1)
    name = words[0].lstrip("/").split("@")[0].lower() if words else ""
    return name, words[1].strip() if len(words) > 1 else ""


# -- Telegram -----------------------------------------------------------------------------------------

def uploaded_document(message: Message) -> Optional[Document]:
    """The document sent with the command as its caption, or the one the command replies to."""
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


async def send_reply(bot: Bot, chat_id: int, reply: StaffReply) -> None:
    """The text, then each file (a chart as a photo, anything else as a document)."""
    if reply.text:
        await bot.send_message(chat_id, reply.text)
    for attachment in reply.attachments:
        with open(attachment.path, "rb") as fh:
            if attachment.kind == "photo":
                await bot.send_photo(chat_id, fh, caption=attachment.caption or None)
            else:
                await bot.send_document(chat_id, fh, filename=attachment.filename, caption=attachment.caption or None)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, command: StaffCommand, args: str) -> None:
    """Run one table command for an allowlisted staff member and send its reply."""
    chat_id = update.effective_chat.id
    logger.info("staff command /%s", command.name)  # which command only: never arguments or ids
    document = uploaded_document(update.effective_message) if command.needs_upload else None
    if document is not None and document.file_size and document.file_size > MAX_UPLOAD_BYTES:
        await context.bot.send_message(chat_id, messages()["staff_import_too_big"])
        return
    state: BotState = context.bot_data
    directory = await state.directory.get()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        upload = None
        if document is not None:
            upload = workdir / "upload.csv"
            await (await context.bot.get_file(document.file_id)).download_to_drive(upload)
        request = StaffRequest(args=args, lang=lang_of(update),
                               staff_hash=sender_id("telegram", update.effective_user.id),
                               directory=directory, workdir=workdir, upload=upload,
                               tracker_db=getattr(state.conversations, "engine", None))
        reply = await asyncio.to_thread(run, command.name, request)
        await send_reply(context.bot, chat_id, reply)


async def on_staff_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff commands for allowlisted staff in private chats; anyone else falls through to "unknown command"."""
    user = update.effective_user
    if user is None or not is_staff(context, user.id):
        return
    name, args = command_of(update.effective_message.text or "")
    await answer(update, context, COMMANDS[name], args)
    raise ApplicationHandlerStop


async def on_upload_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document sent with the caption /import: staff get the import, anyone else "unknown command"
    (no command handler sees captions, so this one answers non-staff itself)."""
    user = update.effective_user
    if user is None or not is_staff(context, user.id):
        await context.bot.send_message(update.effective_chat.id, messages()["unknown_command"])
    else:
        name, args = command_of(update.effective_message.caption or "")
        await answer(update, context, COMMANDS[name], args)
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
    app.bot_data.directory = DirectoryOnDemand(directory_url)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(list(COMMANDS), on_staff_command, filters=private), group=HANDLER_GROUP)
    app.add_handler(MessageHandler(filters.Document.ALL & IMPORT_CAPTION & private, on_upload_caption),
                    group=HANDLER_GROUP)


# -- web chat -----------------------------------------------------------------------------------------

@dataclass
class WebStaff:
    """The web chat's staff state, in memory: sessions (they expire, and a login issues a new id), the
    login throttle, and the directory (DATABASE_URL, opened on first use)."""

    sessions: StaffSessions = field(default_factory=StaffSessions)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    directory: DirectoryOnDemand = field(default_factory=DirectoryOnDemand)  # DATABASE_URL, opened on first use


@dataclass
class WebAnswer:
    replies: list[dict]
    session: Optional[str] = None  # a new chat session id to set as the cookie (after a login)


async def web_command(staff: WebStaff, session: str, text: str, client: str = "",
                      lang: str = "en") -> Optional[WebAnswer]:
    """Staff commands in the web chat, for the browser whose chat cookie is ``session``. None: not a staff
    command here, so the message goes to Rasa as usual. ``/staff TOKEN`` logs in: the cookie is replaced by
    a new staff session id (so an id planted before the login is worthless), and a wrong token gets the
    same "unknown command" as any other unknown command."""
    name, args = command_of(text) if text.strip().startswith("/") else ("", "")
    logged_in = staff.sessions.valid(session)
    if name == "staff" and (args or not logged_in):
        return web_login(staff, session, args, client)
    if not logged_in or name not in COMMANDS:
        return None
    command = COMMANDS[name]
    if command.needs_upload:
        return WebAnswer([{"text": messages()["staff_web_dashboard"].format(command=name)}])
    directory = await staff.directory.get()
    with tempfile.TemporaryDirectory() as tmp:
        request = StaffRequest(args=args, lang=lang, staff_hash=sender_id("web", session), directory=directory,
                               workdir=Path(tmp))
        reply = await asyncio.to_thread(run, name, request)
    replies = [{"text": reply.text}] if reply.text else []
    if reply.attachments:  # files are for Telegram and the dashboard
        replies.append({"text": messages()["staff_web_dashboard"].format(command=name)})
    return WebAnswer(replies)


def web_login(staff: WebStaff, session: str, token: str, client: str) -> WebAnswer:
    """``/staff TOKEN``: a new staff session (throttled per client: after 5 wrong tokens, wait)."""
    new_session = throttled_login(staff.sessions, staff.throttle, client, token, previous=session)[0] if token else None
    if new_session is None:
        return WebAnswer([{"text": messages()["unknown_command"]}])
    welcome = messages()["staff_web_welcome"].format(hours=f"{staff.sessions.hours:g}")
    return WebAnswer([{"text": welcome + "\n\n" + help_text()}], session=new_session)
