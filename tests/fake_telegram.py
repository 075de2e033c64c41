"""A fake Telegram Bot API server (aiohttp) for tests: the real python-telegram-bot client talks to
it over HTTP via TELEGRAM_BASE_URL / base_url. It queues updates for getUpdates and records every
method the bot calls, so tests can wait for and inspect the bot's replies."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from typing import Any, Optional

from aiohttp import web

BOT = {"id": 1000, "is_bot": True, "first_name": "Surokkha", "username": "surokkha_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeTelegram:
    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.calls: list[tuple[str, dict]] = []
        self._by_chat: dict[tuple[str, int], list[dict]] = defaultdict(list)  # (method, chat) -> params
        self._waiters: dict[tuple[str, int], list[tuple[int, asyncio.Future]]] = defaultdict(list)
        self._ids = itertools.count(1)
        self._first_pending = 0  # index into self.updates of the first update not yet confirmed
        self._new_update = asyncio.Event()
        self.files: dict[str, tuple[str, bytes]] = {}
        self.bot_messages: dict[int, dict] = {}  # message_id -> what the bot sent (as Telegram returned it)  # file_id -> (file name, content): uploads and downloads
        self.runner: Optional[web.AppRunner] = None
        self.port = 0

    async def start(self) -> "FakeTelegram":
        app = web.Application(client_max_size=50 * 1024 * 1024)  # the Bot API takes documents up to 50 MB
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{file_id}", self.download)
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
        self._record(method, params)
        if method == "getMe":
            return self._ok(BOT)
        if method in ("sendMessage", "sendLocation", "sendVenue", "editMessageText"):
            return self._ok(self._message(params))
        if method == "deleteMessages":
            return self._ok(True)
        if method in ("sendDocument", "sendPhoto"):  # the upload is kept, so a test can send it back
            field = "document" if method == "sendDocument" else "photo"
            upload = params.get(field) or {}
            file_id = self.add_file(upload.get("content", b""), upload.get("filename") or field)
            sent = {"file_id": file_id, "file_unique_id": file_id, "file_name": self.files[file_id][0]}
            message = self._message(params)
            message[field] = sent if field == "document" else [{**sent, "width": 1, "height": 1}]
            return self._ok(message)
        if method == "getFile":
            file_id = params["file_id"]
            return self._ok({"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id][1]),
                             "file_path": file_id})
        return self._ok(True)  # setMyCommands, answerCallbackQuery, deleteWebhook, ...

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an upload (sendDocument, sendPhoto)
                params[key] = {"filename": value.filename, "content": value.file.read()}
                continue
            try:
                params[key] = json.loads(value)
            except (TypeError, ValueError):
                params[key] = value
        return params

    def _record(self, method: str, params: dict) -> None:
        """Keep every call, indexed by chat so that waiting stays cheap under load (benchmarks)."""
        self.calls.append((method, params))
        key = (method, int(params.get("chat_id") or 0))
        sent = self._by_chat[key]
        sent.append(params)
        waiting = self._waiters.get(key)
        if waiting:
            still = []
            for count, future in waiting:
                if len(sent) >= count:
                    if not future.done():
                        future.set_result(None)
                else:
                    still.append((count, future))
            self._waiters[key] = still

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            # Updates before the offset are confirmed; like Telegram, skip them without rescanning.
            while self._first_pending < len(self.updates) and self.updates[self._first_pending]["update_id"] < offset:
                self._first_pending += 1
            pending = [u for u in self.updates[self._first_pending:] if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                return []

    def _message(self, params: dict) -> dict:
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT,
                   "chat": {"id": int(params.get("chat_id", 0)), "type": "private"}, "text": params.get("text", "")}
        self.bot_messages[message["message_id"]] = message  # so a test can reply to one
        return message

    async def download(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["file_id"]][1])

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

    def add_file(self, content: bytes, name: str = "file") -> str:
        file_id = f"file{next(self._ids)}"
        self.files[file_id] = (name, content)
        return file_id

    def send_document(self, chat_id: int, user_id: int, content: bytes, name: str = "file.csv",
                      caption: Optional[str] = None, chat_type: str = "private") -> dict:
        """A user sends a file (with an optional caption such as "/import"); returns the message."""
        file_id = self.add_file(content, name)
        message = self.message(chat_id, user_id, document={"file_id": file_id, "file_unique_id": file_id,
                                                           "file_name": name, "file_size": len(content)})
        message["chat"]["type"] = chat_type
        if caption is not None:
            message["caption"] = caption
            if caption.startswith("/"):
                message["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        self._push(message=message)
        return message

    def reply_text(self, chat_id: int, user_id: int, text: str, to: dict, chat_type: str = "private") -> None:
        """A text message that replies to ``to`` (a message dict, e.g. one the bot sent)."""
        message = self.message(chat_id, user_id, text, reply_to_message=to)
        message["chat"]["type"] = chat_type
        self._push(message=message)

    def send_location(self, chat_id: int, user_id: int, lat: float, lon: float) -> None:
        self._push(message=self.message(chat_id, user_id, location={"latitude": lat, "longitude": lon}))

    def tap(self, chat_id: int, user_id: int, data: str) -> None:
        self._push(callback_query={"id": str(next(self._ids)), "from": self.user(user_id), "chat_instance": "ci",
                                   "data": data, "message": self.message(chat_id, 1000, "buttons")})

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[dict]:
        return list(self._by_chat.get((method, chat_id), ()))

    async def wait_for(self, chat_id: int, count: int, method: str = "sendMessage", timeout: float = 30) -> list[dict]:
        """Wait until the bot has called ``method`` for ``chat_id`` at least ``count`` times."""
        key = (method, chat_id)
        if len(self._by_chat.get(key, ())) < count:
            future = asyncio.get_running_loop().create_future()
            self._waiters[key].append((count, future))
            try:
                await asyncio.wait_for(future, timeout)
            finally:
                self._waiters[key] = [(c, f) for c, f in self._waiters[key] if f is not future]
        return self.sent(chat_id, method)


# -- the real bot against this server --------------------------------------------------------------

async def start_bot(fake: FakeTelegram, rasa_url: str, *, token: str = "123456:TEST-TOKEN",
                    ops_port: Optional[int] = None, **build_kwargs: Any):
    """The real bot (bot.telegram_app) polling ``fake``, started the way run_polling() starts it.
    ``build_kwargs`` go to build_application (tracker_db_url, directory_url); ``ops_port`` turns on
    its /healthz, /readyz and /metrics server."""
    from bot.telegram_app import build_application

    app = build_application(token, base_url=fake.base_url, rasa_url=rasa_url, **build_kwargs)
    if ops_port is not None:
        app.bot_data.ops_port = ops_port
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return app


async def stop_bot(app) -> None:
    await app.updater.stop()
    await app.stop()
    await app.post_shutdown(app)
    await app.shutdown()
