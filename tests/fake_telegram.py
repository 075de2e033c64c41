"""A fake Telegram Bot API server (aiohttp) for tests: the real python-telegram-bot client talks to
it over HTTP via TELEGRAM_BASE_URL / base_url. It queues updates for getUpdates and records every
method the bot calls, so tests can wait for and inspect the bot's replies."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any, Optional

from aiohttp import web

BOT = {"id": 1000, "is_bot": True, "first_name": "Surokkha", "username": "surokkha_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeTelegram:
    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.calls: list[tuple[str, dict]] = []
        self._ids = itertools.count(1)
        self._new_call = asyncio.Condition()
        self._new_update = asyncio.Event()
        self.runner: Optional[web.AppRunner] = None
        self.port = 0

    async def start(self) -> "FakeTelegram":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/bot{token}/{method}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- the Bot API ------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "getUpdates":
            return self._ok(await self._get_updates(params))
        async with self._new_call:
            self.calls.append((method, params))
            self._new_call.notify_all()
        if method == "getMe":
            return self._ok(BOT)
        if method in ("sendMessage", "sendLocation", "sendVenue", "editMessageText"):
            return self._ok(self._message(params))
        if method == "deleteMessages":
            return self._ok(True)
        return self._ok(True)  # setMyCommands, answerCallbackQuery, deleteWebhook, ...

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            try:
                params[key] = json.loads(value)
            except (TypeError, ValueError):
                params[key] = value
        return params

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                return []

    def _message(self, params: dict) -> dict:
        return {"message_id": next(self._ids), "date": int(time.time()), "from": BOT,
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"}, "text": params.get("text", "")}

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    # -- what tests use ----------------------------------------------------------------------------
    def _push(self, **update: Any) -> None:
        self.updates.append({"update_id": next(self._ids), **update})
        self._new_update.set()

    def user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "bn"}

    def message(self, chat_id: int, user_id: int, text: Optional[str] = None, **extra: Any) -> dict:
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": self.user(user_id),
                   "chat": {"id": chat_id, "type": "private"}, **extra}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return message

    def send_text(self, chat_id: int, user_id: int, text: str, chat_type: str = "private") -> None:
        message = self.message(chat_id, user_id, text)
        message["chat"]["type"] = chat_type
        self._push(message=message)

    def edit_text(self, chat_id: int, user_id: int, text: str) -> None:
        self._push(edited_message={**self.message(chat_id, user_id, text), "edit_date": int(time.time())})

    def send_media(self, chat_id: int, user_id: int, **media: Any) -> None:
        self._push(message=self.message(chat_id, user_id, **media))

    def send_location(self, chat_id: int, user_id: int, lat: float, lon: float) -> None:
        self._push(message=self.message(chat_id, user_id, location={"latitude": lat, "longitude": lon}))

    def tap(self, chat_id: int, user_id: int, data: str) -> None:
        self._push(callback_query={"id": str(next(self._ids)), "from": self.user(user_id), "chat_instance": "ci",
                                   "data": data, "message": self.message(chat_id, 1000, "buttons")})

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[dict]:
        return [p for m, p in self.calls if m == method and int(p.get("chat_id", 0)) == chat_id]

    async def wait_for(self, chat_id: int, count: int, method: str = "sendMessage", timeout: float = 30) -> list[dict]:
        """Wait until the bot has called ``method`` for ``chat_id`` at least ``count`` times."""
        async with self._new_call:
            await asyncio.wait_for(self._new_call.wait_for(lambda: len(self.sent(chat_id, method)) >= count), timeout)
        return self.sent(chat_id, method)
