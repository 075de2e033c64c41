"""A small local web chat (aiohttp, plain HTML and JS) for trying the bot without Telegram.

Served by `make run` at http://127.0.0.1:8080 when no TELEGRAM_BOT_TOKEN is set. It uses the same
bridge as the Telegram bot and renders the same things: buttons, the location request (browser
geolocation beside the place picker) and service details with tappable phone numbers. Each browser
gets a random session cookie; Rasa sees only its keyed hash.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path

from aiohttp import web

from backoffice import dashboard, sharing
from bot import metrics, staff
from contract.limits import MAX_PAYLOAD_CHARS, MAX_TEXT_CHARS, clip_text
from bot.logs import configure_logging
from bot.messages import messages
from bot.ops import add_ops_routes
from bot.privacy import sender_id
from bot.rasa_bridge import RasaBridge
from bot.settings import RASA_URL

logger = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("web")
COOKIE = "chat_session"
MAX_MESSAGE_BYTES = 64 * 1024


def session_of(request: web.Request) -> tuple[str, bool]:
    existing = request.cookies.get(COOKIE)
    if existing and len(existing) <= 64:
        return existing, False
    return secrets.token_urlsafe(24), True


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def post_message(request: web.Request) -> web.Response:
    """{"text": "..."} for typed text, {"payload": "/intent{...}", "metadata": {...}} for buttons and locations."""
    raw = await request.content.read(MAX_MESSAGE_BYTES + 1)  # the app allows staff uploads; a message stays small
    if len(raw) > MAX_MESSAGE_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_MESSAGE_BYTES, actual_size=len(raw))
    try:
        body = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(text="JSON expected")
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    session, new = session_of(request)
    sender = sender_id("web", session)
    rasa: RasaBridge = request.app["rasa"]
    text = clip_text(str(body.get("text") or ""), MAX_TEXT_CHARS)
    payload = clip_text(str(body["payload"]), MAX_PAYLOAD_CHARS) if body.get("payload") else None
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
    metrics.MESSAGES.labels("web", "button" if payload else "text").inc()
    staff_answer = await staff.web_command(request.app["staff"], session, text, client=request.remote or "") \
        if text.startswith("/") else None
    if staff_answer is not None:  # `/staff STAFF_TOKEN`, then the staff commands (bot/staff.py)
        replies = staff_answer.replies
        if staff_answer.session:  # a login: the chat cookie becomes the new staff session id
            session, new = staff_answer.session, True
    elif payload:
        replies = await rasa.reply(sender, payload, payload=True, metadata=metadata)
    elif text.strip():
        replies = await rasa.reply(sender, text)
    else:
        replies = [{"text": messages()["empty_message"]}]
    response = web.json_response({"replies": replies})
    if new:
        response.set_cookie(COOKIE, session, httponly=True, samesite="Strict", max_age=30 * 86400)
    return response


async def close_bridge(app: web.Application) -> None:
    await app["rasa"].close()


def create_app(rasa_url: str = RASA_URL) -> web.Application:
    app = web.Application(client_max_size=dashboard.MAX_UPLOAD_BYTES + 64 * 1024)  # the staff CSV import
    app["rasa"] = RasaBridge(rasa_url, channel="web")
    app["staff"] = staff.WebStaff()  # staff sessions (expiring, hashed), login throttle, directory: in memory
    app.router.add_get("/", index)
    app.router.add_post("/api/message", post_message)
    app.router.add_static("/static/", STATIC)
    dashboard.mount(app)  # the staff dashboard at /staff/ (backoffice/dashboard)
    sharing.add_routes(app)  # partner NGOs' weekly aggregates at /partners/v1/ (off without PARTNER_TOKENS)

    async def ready() -> dict:
        return {"rasa": await app["rasa"].ready()}
    add_ops_routes(app, ready)  # /healthz, /readyz, /metrics
    app.on_cleanup.append(close_bridge)
    return app


def main() -> None:
    configure_logging("webchat")
    port = int(os.environ.get("WEBCHAT_PORT", "8080"))
    web.run_app(create_app(), host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main()
