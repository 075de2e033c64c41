"""The Telegram front end (python-telegram-bot v22): bridges updates to Rasa and renders replies.

Environment: TELEGRAM_BOT_TOKEN (required here), TELEGRAM_BASE_URL (a self-hosted or fake Bot API
server, e.g. http://127.0.0.1:8081/bot), RASA_URL, RETENTION_DAYS; staff tools and the counsellor handoff:
STAFF_IDS, STAFF_CHAT_ID (bot/staff.py, bot/handoff.py).
Rasa sees only a keyed hash of the Telegram user id (bot.privacy). Message text is never logged.
Messages of one chat are handled in order; different chats concurrently.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import weakref
from typing import Awaitable, Callable, Optional

from telegram import (BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                      ReplyKeyboardRemove, Update)
from telegram.constants import ChatType, MessageLimit
from telegram.error import TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, MessageHandler, filters)

from bot import buttons, handoff, metrics, staff
from bot.chat_memory import deletable_ids, prune_chat_data, remember
from backoffice.conversations import RETENTION_DAYS, TRACKER_DB_URL, ConversationStore
from bot.logs import configure_logging
from bot.messages import messages
from bot.ops import OPS_PORT, start_ops_server
from bot.privacy import sender_id
from bot.rasa_bridge import RasaBridge
from bot.ratelimit import RateLimiter
from bot.settings import RASA_URL, SecretMissing, check_sender_id_secret, local_secret
from bot.state import BotState
from contract.metadata import LAT, LON
from bot.telegram_request import AiohttpRequest
from safety.crisis import default_detector
from safety.text import normalize_text

logger = logging.getLogger(__name__)

RASA_COMMANDS = {"start": "/greet", "help": "/help", "language": "/set_language", "hotlines": "/hotline_numbers"}
COMMANDS = {
    "en": [BotCommand("start", "Welcome and emergency numbers"), BotCommand("help", "What I can do"),
           BotCommand("language", "Change language"), BotCommand("hotlines", "Helpline numbers"),
           BotCommand("privacy", "What is stored, and for how long"), BotCommand("forget", "Delete my conversation"),
           BotCommand("exit", "Quick exit: delete this chat")],
    "bn": [BotCommand("start", "শুরু ও জরুরি নম্বর"), BotCommand("help", "কী কী সাহায্য পাবে"),
           BotCommand("language", "ভাষা বদলাও"), BotCommand("hotlines", "হেল্পলাইন নম্বর"),
           BotCommand("privacy", "কী রাখা হয়, কতদিন"), BotCommand("forget", "আমার কথোপকথন মুছে দাও"),
           BotCommand("exit", "দ্রুত বের হও: চ্যাট মুছে দাও")],
}
RETENTION_EVERY_S = 3600
FORGET_RETRY_S = 60
# Updates handled at once (one chat stays in order). High on purpose: under overload an update must
# reach the bridge, which answers "busy" after RASA_QUEUE_WAIT_S, instead of queueing unseen in PTB.
CONCURRENT_UPDATES = int(os.environ.get("TELEGRAM_CONCURRENT_UPDATES", "512"))
# Telegram lets a bot send about 30 messages/s overall; raise it only where the API allows more
# (paid broadcasts, a self-hosted Bot API server, benchmarks). 0 = no overall limit.
MAX_SENDS_PER_S = float(os.environ.get("TELEGRAM_MAX_SENDS_PER_S", "30"))
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


# -- helpers ------------------------------------------------------------------------------------------

def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at Telegram's 4,096-character limit, at a line break where possible."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text] if text else parts


def is_crisis_update(update: Update) -> bool:
    """Whether the update is a message the crisis rules recognise (never rate limited, never shed)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None and update.callback_query is None else ""
    return bool(text) and default_detector().is_crisis(normalize_text(text))


async def within_rate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The per-user token bucket (bot/ratelimit.py), private chats only; a crisis message always passes.
    The first refused message of a burst gets the "slow down" notice with the emergency numbers."""
    if not is_private(update) or update.effective_user is None or is_crisis_update(update):
        return True
    limiter: RateLimiter = context.bot_data.rate_limiter
    verdict = limiter.check(sender_id("telegram", update.effective_user.id))
    if verdict == "ok":
        return True
    metrics.REPLIES.labels("telegram", "rate_limited").inc()
    if verdict == "notify":
        with contextlib.suppress(TelegramError):
            await send_text(update, context, messages()["rate_limited"])
    return False


def chat_ordered(handler: Handler) -> Handler:
    """Run ``handler`` under the chat's lock: updates are processed concurrently across chats but in
    arrival order within one chat (asyncio locks are first come, first served). The rate limit is
    checked first, so a flood never queues behind the lock holding update slots."""
    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()  # stops the button's spinner, even when refused
        if not await within_rate(update, context):
            return
        chat_id = update.effective_chat.id if update.effective_chat else 0
        # Weak values: a chat's lock lives only while some update of that chat holds it or waits.
        locks: weakref.WeakValueDictionary = context.application.bot_data.chat_locks
        lock = locks.get(chat_id)
        if lock is None:
            lock = locks[chat_id] = asyncio.Lock()
        async with lock:
            if update.effective_message is not None:
                remember(context.chat_data, update.effective_message.message_id)
            await handler(update, context)
    return wrapped


async def send_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, **kwargs) -> None:
    sent = await context.bot.send_message(update.effective_chat.id, text, **kwargs)
    remember(context.chat_data, sent.message_id)


async def send_replies(update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[dict]) -> None:
    """Render Rasa's replies: text (split), buttons (inline keyboard, each payload kept server-side
    behind a token: bot/buttons.py), the location request (reply keyboard)."""
    chat_id = update.effective_chat.id
    for reply in replies:
        custom = reply.get("custom") or {}
        if custom.get("handoff"):  # the user said yes to a counsellor: post the consented summary (bot/handoff.py)
            await send_text(update, context, await context.bot_data.handoff.hand_off(
                context.bot, update.effective_chat.id, custom["handoff"]))
        for venue in custom.get("venues") or []:  # after the text that describes them
            sent = await context.bot.send_venue(update.effective_chat.id, venue["latitude"], venue["longitude"],
                                                venue["title"], venue["address"] or "-")
            remember(context.chat_data, sent.message_id)
        if custom.get("request_location"):
            if update.effective_chat.type == ChatType.PRIVATE:  # location buttons only work in private chats
                keyboard = ReplyKeyboardMarkup([[KeyboardButton(custom.get("button") or "📍", request_location=True)]],
                                               resize_keyboard=True, one_time_keyboard=True)
                await send_text(update, context, custom.get("button") or "📍", reply_markup=keyboard)
            continue
        markup = None
        if reply.get("buttons"):
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                b["title"], callback_data=buttons.issue(context.chat_data, chat_id, b["payload"]))]
                for b in reply["buttons"]])
        parts = split_text(reply.get("text") or "") or (["…"] if markup else [])
        for i, part in enumerate(parts):
            await send_text(update, context, part, reply_markup=markup if i == len(parts) - 1 else None)


async def ask_rasa(update: Update, context: ContextTypes.DEFAULT_TYPE, message: str, *, payload: bool,
                   metadata: Optional[dict] = None) -> None:
    rasa: RasaBridge = context.bot_data.rasa
    metrics.MESSAGES.labels("telegram", message_kind(update, payload)).inc()
    sender = sender_id("telegram", update.effective_user.id)
    metadata = context.bot_data.handoff.metadata(metadata)  # tells Rasa whether a counsellor handoff is possible
    await send_replies(update, context, await rasa.reply(sender, message, payload=payload, metadata=metadata))


def message_kind(update: Update, payload: bool) -> str:
    if update.callback_query is not None:
        return "button"
    if update.effective_message is not None and update.effective_message.location is not None:
        return "location"
    return "command" if payload else "text"


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


# -- handlers -----------------------------------------------------------------------------------------

async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = (update.effective_message.text or "").strip()
    if not is_private(update):
        mention = f"@{context.bot.username}".lower()
        if mention not in text.lower():
            return  # in groups: only commands and mentions
        await send_text(update, context, messages()["group_private"])
        return
    if not text:
        await send_text(update, context, messages()["empty_message"])
        return
    await ask_rasa(update, context, text, payload=False)


async def on_rasa_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
    await ask_rasa(update, context, RASA_COMMANDS[command], payload=True)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap sends Rasa only a payload the bot itself offered in this chat (bot/buttons.py); a forged,
    foreign or pre-restart button gets "please ask again" and nothing reaches Rasa."""
    payload = buttons.redeem(context.chat_data, update.callback_query.data)
    if payload is None or update.effective_chat is None:
        metrics.REPLIES.labels("telegram", "button_refused").inc()
        await send_text(update, context, messages()["button_expired"])
        return
    await ask_rasa(update, context, payload, payload=True)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location goes to Rasa as coordinates in metadata; the bot itself keeps nothing."""
    location = update.effective_message.location
    await send_text(update, context, "📍", reply_markup=ReplyKeyboardRemove())
    await ask_rasa(update, context, "/inform_location", payload=True,
                   metadata={LAT: location.latitude, LON: location.longitude})


async def on_other_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos and voice notes may be a cry for help: say what we understand and give the numbers."""
    metrics.MESSAGES.labels("telegram", "media").inc()
    message = update.effective_message
    urgent = bool(message.photo or message.voice or message.video or message.video_note or message.audio)
    await send_text(update, context, messages()["unsupported_media_urgent" if urgent else "unsupported_media"])


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_text(update, context, messages()["privacy"].format(days=f"{RETENTION_DAYS:g}"))


async def forget_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Delete the user's stored conversation. If the database is unreachable, keep retrying every
    minute (the pseudonymous id waits in memory only) so the deletion still happens."""
    conversations: ConversationStore = context.bot_data.conversations
    sender = sender_id("telegram", update.effective_user.id)
    try:
        await asyncio.to_thread(conversations.forget, sender)
        return True
    except Exception as exc:  # noqa: BLE001 - any database failure: retry later, never lose the request
        metrics.ERRORS.labels("forget").inc()
        logger.error("forget failed, will retry: %s", type(exc).__name__)
        context.bot_data.forget_pending.add(sender)
        return False


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    done = await forget_user(update, context)
    await send_text(update, context, messages()["forgotten" if done else "forget_delayed"])


async def on_exit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Quick exit for a child whose phone may be checked: delete this chat's messages that Telegram
    still lets us delete, delete the stored conversation, and leave one neutral line."""
    recent = deletable_ids(context.chat_data)
    for start in range(0, len(recent), 100):  # deleteMessages takes at most 100 ids
        with contextlib.suppress(TelegramError):
            await context.bot.delete_messages(update.effective_chat.id, recent[start:start + 100])
    await forget_user(update, context)
    await context.bot.send_message(update.effective_chat.id, messages()["exit_line"], reply_markup=ReplyKeyboardRemove())


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A bad update must never stop the bot; log the error type only (no message text)."""
    metrics.ERRORS.labels("update").inc()
    logger.error("update failed: %s", type(context.error).__name__)


# -- application --------------------------------------------------------------------------------------

async def retention_loop(app: Application) -> None:
    while True:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(app.bot_data.conversations.purge)
        with contextlib.suppress(Exception):
            prune_chat_data(app)
        await asyncio.sleep(RETENTION_EVERY_S)


async def forget_retry_loop(conversations: ConversationStore, pending: set) -> None:
    """Deletions that failed (database down) are retried every minute until they succeed."""
    while True:
        await asyncio.sleep(FORGET_RETRY_S)
        for sender in list(pending):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(conversations.forget, sender)
                pending.discard(sender)


async def post_init(app: Application) -> None:
    await app.bot.set_my_commands(COMMANDS["en"])
    await app.bot.set_my_commands(COMMANDS["bn"], language_code="bn")
    state: BotState = app.bot_data
    state.tasks["retention"] = asyncio.get_running_loop().create_task(retention_loop(app))
    state.tasks["forget_retry"] = asyncio.get_running_loop().create_task(
        forget_retry_loop(state.conversations, state.forget_pending))
    if state.ops_port is not None:
        async def ready() -> dict:
            return {"rasa": await state.rasa.ready(), "telegram": app.running}
        state.ops = await start_ops_server(ready, port=state.ops_port)


async def post_shutdown(app: Application) -> None:
    state: BotState = app.bot_data
    for task in state.tasks.values():
        task.cancel()
    state.tasks.clear()
    await state.rasa.close()
    if state.ops is not None:
        ops, state.ops = state.ops, None
        await ops.cleanup()


def build_application(token: str, base_url: Optional[str] = None, rasa_url: Optional[str] = None,
                      tracker_db_url: Optional[str] = None, directory_url: Optional[str] = None) -> Application:
    """``directory_url``: the referral directory for the staff tools (as the action server's DATABASE_URL)."""
    builder: ApplicationBuilder = (Application.builder().token(token)
                                   .context_types(ContextTypes(bot_data=BotState))  # typed: bot/state.py
                                   .rate_limiter(AIORateLimiter(overall_max_rate=MAX_SENDS_PER_S))
                                   .concurrent_updates(CONCURRENT_UPDATES)
                                   .request(AiohttpRequest())  # aiohttp, not httpx: see bot/telegram_request.py
                                   .get_updates_request(AiohttpRequest(connection_pool_size=1)))
    if base_url:
        builder = builder.base_url(base_url)
        if base_url.endswith("/bot"):  # the Bot API server's layout: files are served under /file/bot
            builder = builder.base_file_url(base_url[:-len("/bot")] + "/file/bot")
    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    app.bot_data.rasa = RasaBridge(rasa_url or RASA_URL)  # its HTTP session opens on first use
    app.bot_data.conversations = ConversationStore(tracker_db_url or TRACKER_DB_URL)
    app.bot_data.rate_limiter = RateLimiter()  # per user, in memory (bot/ratelimit.py)
    staff.register(app, directory_url)  # staff commands for the allowlist (bot/staff.py), before the rest
    handoff.register(app)  # counsellor handoff: STAFF_CHAT_ID, replies and /reply from staff (bot/handoff.py)
    app.add_handler(CommandHandler(list(RASA_COMMANDS), chat_ordered(on_rasa_command)))
    app.add_handler(CommandHandler("privacy", chat_ordered(on_privacy)))
    app.add_handler(CommandHandler("forget", chat_ordered(on_forget)))
    app.add_handler(CommandHandler("exit", chat_ordered(on_exit), filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(chat_ordered(on_button)))
    app.add_handler(MessageHandler(filters.LOCATION & filters.ChatType.PRIVATE, chat_ordered(on_location)))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, chat_ordered(on_text)))
    app.add_handler(MessageHandler(
        (filters.PHOTO | filters.VOICE | filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO | filters.Sticker.ALL
         | filters.Document.ALL | filters.CONTACT) & filters.ChatType.PRIVATE, chat_ordered(on_other_media)))
    app.add_handler(MessageHandler(filters.COMMAND, chat_ordered(staff.on_unknown_command)))  # after every command
    app.add_error_handler(on_error)
    return app


def webhook_settings() -> Optional[dict]:
    """Webhook mode when TELEGRAM_WEBHOOK_URL is set (behind a reverse proxy that terminates TLS):
    Telegram must send the secret token with every update, so forged updates are refused."""
    url = os.environ.get("TELEGRAM_WEBHOOK_URL")
    if not url:
        return None
    return {"listen": os.environ.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            "port": int(os.environ.get("TELEGRAM_WEBHOOK_PORT", "8443")),
            "url_path": os.environ.get("TELEGRAM_WEBHOOK_PATH", "telegram"),
            "webhook_url": url,
            "secret_token": local_secret("telegram_webhook_secret", "TELEGRAM_WEBHOOK_SECRET")[:256]}


def main() -> None:
    configure_logging("bot")
    try:  # before anything else: a bot on a throw-away key would "forget" nothing
        notice = check_sender_id_secret()
    except SecretMissing as exc:
        logger.error("not starting: %s", exc)
        raise SystemExit(1) from None
    if notice:
        logger.warning(notice)
    app = build_application(os.environ["TELEGRAM_BOT_TOKEN"], os.environ.get("TELEGRAM_BASE_URL"))
    app.bot_data.ops_port = OPS_PORT or None  # /healthz, /readyz, /metrics (bot/ops.py); 0 = off
    webhook = webhook_settings()
    if webhook:
        app.run_webhook(allowed_updates=Update.ALL_TYPES, **webhook)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
