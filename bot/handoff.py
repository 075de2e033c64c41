"""Human handoff, the Telegram side: post a consented summary to the staff chat and relay answers.

Rasa (actions/handoff.py) decides *whether* to hand off: only after the user's explicit yes does its
reply carry ``{"handoff": {"summary": ..., "lang": ...}}``. This module then posts that summary to
STAFF_CHAT_ID under a short random reference ("H-7KQ2") and keeps reference -> user chat id in
memory only, for 48 hours. Nothing else about the user goes to staff: no Telegram id, name, username,
phone number or message text. Staff answer by replying to the bot's post in the staff chat, or with
``/reply H-7KQ2 text`` (in the staff chat, or privately by allowlisted staff); the bot relays the
answer to the user and confirms to staff.

One open ticket per user: a second "yes" while the first reference is open (48 hours) posts nothing
new and tells the user their reference again, so repeating the flow cannot flood the staff chat.

Known limit: references live in memory, so a restart forgets them (staff are told the reference is
unknown; users are told to call the helplines if no one answers). With no STAFF_CHAT_ID the bot tells
Rasa that no handoff is possible (metadata), and Rasa gives the helplines instead of an offer.
"""
from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from typing import Optional

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, MessageHandler, filters

from bot.chat_memory import remember
from bot.messages import messages
from contract.metadata import HANDOFF_AVAILABLE

logger = logging.getLogger(__name__)

TTL_S = 48 * 3600
METADATA_KEY = HANDOFF_AVAILABLE  # read by actions/handoff.py
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by staff
HANDLER_GROUP = -1  # before the user-facing handlers: staff-chat messages never reach Rasa


@dataclass
class Ticket:
    user_chat_id: int
    created: float
    post_message_id: Optional[int] = None


class HandoffDesk:
    """Open handoffs by reference, in memory only, each forgotten after ``ttl_s``."""

    def __init__(self, staff_chat_id: Optional[int], ttl_s: float = TTL_S) -> None:
        self.staff_chat_id = staff_chat_id
        self.ttl_s = ttl_s
        self._tickets: dict[str, Ticket] = {}
        self._by_post: dict[int, str] = {}  # staff-chat message id of the post -> reference
        self._by_user: dict[int, str] = {}  # user chat id -> their open reference (one per user)

    @property
    def available(self) -> bool:
        return self.staff_chat_id is not None

    def metadata(self, metadata: Optional[dict] = None) -> Optional[dict]:
        """Message metadata for Rasa, saying whether a handoff can happen (so it offers or gives helplines)."""
        if not self.available:
            return metadata
        return {**(metadata or {}), METADATA_KEY: True}

    def _expire(self) -> None:
        now = time.time()
        for ref in [r for r, t in self._tickets.items() if now - t.created > self.ttl_s]:
            ticket = self._tickets.pop(ref)
            self._by_post.pop(ticket.post_message_id, None)
            if self._by_user.get(ticket.user_chat_id) == ref:
                del self._by_user[ticket.user_chat_id]

    def _new_ref(self) -> str:
        while True:
            ref = "H-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(4))
            if ref not in self._tickets:
                return ref

    def lookup(self, ref: str) -> Optional[Ticket]:
        self._expire()
        return self._tickets.get(ref.strip().upper())

    def ref_of_post(self, message_id: int) -> Optional[str]:
        self._expire()
        ref = self._by_post.get(message_id)
        return ref if ref in self._tickets else None

    async def hand_off(self, bot: Bot, user_chat_id: int, handoff: dict) -> str:
        """Post the consented summary to the staff chat; return what to tell the user (sent, or the
        helplines when posting failed or no staff chat is configured)."""
        if not self.available:
            return messages()["handoff_unavailable"]
        self._expire()
        open_ref = self._by_user.get(user_chat_id)
        if open_ref is not None:  # one open ticket per user: never post the same request twice
            return messages()["handoff_already_open"].format(ref=open_ref)
        ref = self._new_ref()
        text = messages()["handoff_staff_post"].format(ref=ref, summary=str(handoff.get("summary") or "")[:1500])
        try:
            sent = await bot.send_message(self.staff_chat_id, text)
        except TelegramError as exc:
            logger.warning("handoff post failed: %s", type(exc).__name__)
            return messages()["handoff_failed"]
        self._tickets[ref] = Ticket(user_chat_id, time.time(), sent.message_id)
        self._by_post[sent.message_id] = ref
        self._by_user[user_chat_id] = ref
        logger.info("handoff %s posted to the staff chat", ref)
        return messages()["handoff_sent"].format(ref=ref)

    async def relay(self, app: Application, ref: str, text: str) -> Optional[str]:
        """Send a staff answer to the user behind ``ref``; the reply for staff (confirmation or why not)."""
        ticket = self.lookup(ref)
        if ticket is None:
            return messages()["handoff_unknown_ref"].format(ref=ref.strip().upper()[:12])
        text = text.strip()
        if not text:
            return messages()["handoff_reply_usage"]
        try:
            sent = await app.bot.send_message(ticket.user_chat_id, messages()["handoff_reply"].format(text=text[:3500]))
        except TelegramError as exc:
            logger.warning("handoff relay failed: %s", type(exc).__name__)
            return messages()["handoff_relay_failed"].format(ref=ref.strip().upper())
        remember(app.chat_data[ticket.user_chat_id], sent.message_id)  # the user's /exit deletes it too
        logger.info("handoff %s: staff answer relayed", ref.strip().upper())
        return messages()["handoff_relayed"].format(ref=ref.strip().upper())


def staff_chat_from_env() -> Optional[int]:
    value = os.environ.get("STAFF_CHAT_ID", "").strip()
    return int(value) if value else None


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> HandoffDesk:
    return context.bot_data.handoff


def in_staff_chat(update: Update, desk: HandoffDesk) -> bool:
    return desk.available and update.effective_chat is not None and update.effective_chat.id == desk.staff_chat_id


async def on_staff_chat_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply (in the staff chat) to the bot's handoff post goes to that user. Other staff-chat
    messages are staff talking among themselves: never sent to Rasa or anywhere else."""
    desk = desk_of(context)
    if not in_staff_chat(update, desk):
        return
    message = update.effective_message
    original = message.reply_to_message
    ref = desk.ref_of_post(original.message_id) if original is not None else None
    if original is not None and original.from_user is not None and original.from_user.id == context.bot.id:
        answer = await desk.relay(context.application, ref or "?", message.text or "") if ref else \
            messages()["handoff_unknown_ref"].format(ref="?")
        await message.reply_text(answer)
    raise ApplicationHandlerStop


async def on_reply_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/reply H-7KQ2 text``: in the staff chat, or privately from an allowlisted staff member."""
    from bot.staff import is_staff  # the allowlist (bot/staff.py)

    desk = desk_of(context)
    private_staff = (update.effective_chat.type == ChatType.PRIVATE and update.effective_user is not None
                     and is_staff(context, update.effective_user.id))
    if not (in_staff_chat(update, desk) or private_staff):
        return  # falls through to "unknown command"
    parts = (update.effective_message.text or "").split(maxsplit=2)
    if len(parts) < 3:
        answer = messages()["handoff_reply_usage"]
    else:
        answer = await desk.relay(context.application, parts[1], parts[2])
    await context.bot.send_message(update.effective_chat.id, answer)
    raise ApplicationHandlerStop


def register(app: Application, staff_chat_id: Optional[int] = None) -> HandoffDesk:
    """Install the desk (STAFF_CHAT_ID unless given) and the staff-chat handlers, before the user handlers."""
    desk = HandoffDesk(staff_chat_id if staff_chat_id is not None else staff_chat_from_env())
    app.bot_data.handoff = desk
    app.add_handler(CommandHandler("reply", on_reply_command), group=HANDLER_GROUP)
    if desk.available:
        app.add_handler(MessageHandler(filters.Chat(desk.staff_chat_id) & ~filters.COMMAND, on_staff_chat_reply),
                        group=HANDLER_GROUP)
    return desk
