"""The Telegram front end (python-telegram-bot v22): bridges updates to Rasa and renders replies.

Environment:
- TELEGRAM_BOT_TOKEN (required here), TELEGRAM_BASE_URL (a self-hosted or fake Bot API server,
  e.g. http://127.0.0.1:8081/bot), RASA_URL.
Rasa sees only a keyed hash of the Telegram user id (bot.privacy). Message text is never logged.
"""
from __future__ import annotations

import hashlib
import logging
import os
from typing import Optional

from telegram import (BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                      Update)
from telegram.constants import MessageLimit
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, MessageHandler, filters)

from bot.messages import messages
from bot.privacy import sender_id
from bot.rasa_bridge import RasaBridge, RasaUnavailable
from bot.settings import RASA_URL

logger = logging.getLogger(__name__)

COMMAND_PAYLOADS = {"start": "/greet", "help": "/help", "language": "/set_language", "hotlines": "/hotline_numbers"}
COMMANDS = {
    "en": [BotCommand("start", "Welcome and emergency numbers"), BotCommand("help", "What I can do"),
           BotCommand("language", "Change language"), BotCommand("hotlines", "Helpline numbers")],
    "bn": [BotCommand("start", "শুরু ও জরুরি নম্বর"), BotCommand("help", "কী কী সাহায্য পাবে"),
           BotCommand("language", "ভাষা বদলাও"), BotCommand("hotlines", "হেল্পলাইন নম্বর")],
}
CALLBACK_LIMIT = 64  # bytes; Telegram's limit for callback_data


def callback_data_for(payload: str, store: dict[str, str]) -> str:
    """The payload itself when it fits in 64 bytes, else a short id remembered in ``store``
    (Bangla takes 3 bytes a character, so long payloads do happen)."""
    if len(payload.encode()) <= CALLBACK_LIMIT:
        return payload
    key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:20]
    store[key] = payload
    return key


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at Telegram's 4,096-character limit, at a line break where possible."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text] if text else parts


async def send_replies(update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[dict]) -> None:
    chat = update.effective_chat
    store = context.bot_data.setdefault("payloads", {})
    if not replies:
        replies = [{"text": messages()["rasa_unavailable"]}]
    for reply in replies:
        custom = reply.get("custom") or {}
        if custom.get("request_location"):  # phones get a button that shares the location
            keyboard = ReplyKeyboardMarkup([[KeyboardButton(custom.get("button") or "📍", request_location=True)]],
                                           resize_keyboard=True, one_time_keyboard=True)
            await context.bot.send_message(chat.id, custom.get("button") or "📍", reply_markup=keyboard)
            continue
        markup: Optional[InlineKeyboardMarkup] = None
        if reply.get("buttons"):
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(b["title"], callback_data=callback_data_for(b["payload"], store))]
                                           for b in reply["buttons"]])
        parts = split_text(reply.get("text") or "") or ([" "] if markup else [])
        for i, part in enumerate(parts):
            await context.bot.send_message(chat.id, part, reply_markup=markup if i == len(parts) - 1 else None)


async def ask_rasa(update: Update, context: ContextTypes.DEFAULT_TYPE, message: str, *, payload: bool,
                   metadata: Optional[dict] = None) -> None:
    rasa: RasaBridge = context.bot_data["rasa"]
    sender = sender_id("telegram", update.effective_user.id)
    try:
        if payload:
            replies = await rasa.send_payload(sender, message, metadata)
        else:
            replies = await rasa.send_text(sender, message, metadata)
    except RasaUnavailable as exc:
        logger.warning("Rasa unavailable (%s)", exc)
        replies = [{"text": messages()["rasa_unavailable"]}]
    await send_replies(update, context, replies)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = (update.effective_message.text or "").strip()
    if not text:
        await context.bot.send_message(update.effective_chat.id, messages()["empty_message"])
        return
    await ask_rasa(update, context, text, payload=False)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location goes to Rasa as coordinates in metadata; the bot itself keeps nothing."""
    location = update.effective_message.location
    await ask_rasa(update, context, "/inform_location", payload=True,
                   metadata={"lat": location.latitude, "lon": location.longitude})


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
    await ask_rasa(update, context, COMMAND_PAYLOADS[command], payload=True)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    data = query.data or ""
    payload = context.bot_data.get("payloads", {}).get(data, data) if data.startswith("#") else data
    if payload.startswith("#"):  # the bot restarted since the button was sent
        await context.bot.send_message(update.effective_chat.id, messages()["button_expired"])
        return
    await ask_rasa(update, context, payload, payload=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A bad update must never stop the bot; log the error type only (no message text)."""
    logger.error("update failed: %s", type(context.error).__name__, exc_info=context.error)


async def post_init(app: Application) -> None:
    await app.bot.set_my_commands(COMMANDS["en"])
    await app.bot.set_my_commands(COMMANDS["bn"], language_code="bn")


async def post_shutdown(app: Application) -> None:
    await app.bot_data["rasa"].close()


def build_application(token: str, base_url: Optional[str] = None, rasa_url: Optional[str] = None) -> Application:
    builder: ApplicationBuilder = Application.builder().token(token).rate_limiter(AIORateLimiter())
    if base_url:
        builder = builder.base_url(base_url)
    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    app.bot_data["rasa"] = RasaBridge(rasa_url or RASA_URL)  # its HTTP session opens on first use
    app.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.LOCATION, on_location))
    app.add_handler(MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_text))
    app.add_error_handler(on_error)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token in URLs
    app = build_application(os.environ["TELEGRAM_BOT_TOKEN"], os.environ.get("TELEGRAM_BASE_URL"))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
