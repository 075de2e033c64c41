"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

Why: profiling the bot at 100 messages/s (py-spy) showed about 80% of its busy time inside httpx
sending replies (sendMessage), including a failed module import repeated on every request. The bot
already uses aiohttp to reach Rasa; this implements PTB's documented BaseRequest interface on it, so
PTB keeps doing everything else (retries, errors, rate limiting). Same timeouts and pool size as PTB's
defaults; TimedOut and NetworkError are raised as PTB expects.
"""
from __future__ import annotations

import asyncio
from typing import Optional

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(self, connection_pool_size: int = 256, read_timeout: Optional[float] = 5.0,
                 write_timeout: Optional[float] = 5.0, connect_timeout: Optional[float] = 5.0,
                 media_write_timeout: Optional[float] = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._connect_timeout, self._media_write_timeout = connect_timeout, media_write_timeout
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def read_timeout(self) -> Optional[float]:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: Optional[RequestData] = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE, pool_timeout=BaseRequest.DEFAULT_NONE
                         ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout
        # aiohttp has no separate write timeout: a request may take connect + write + read at most.
        parts = (connect_timeout, write_timeout, read_timeout)
        total = None if any(t is None for t in parts) else sum(parts)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect_timeout, sock_read=read_timeout)
        body: object = fields
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        try:
            async with self._session.request(method, url, data=body, timeout=timeout,
                                             headers={"User-Agent": self.USER_AGENT}) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
