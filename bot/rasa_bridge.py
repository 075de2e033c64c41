"""The bridge from any front end to Rasa's REST channel (POST /webhooks/rest/webhook).

Front ends never talk to Rasa any other way. When Rasa is down or slow the bridge raises
``RasaUnavailable`` quickly, so the front end can answer with the emergency numbers instead of silence.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

import aiohttp

from bot.messages import messages
from bot.settings import RASA_MAX_CONCURRENT, RASA_TIMEOUT_S, RASA_URL
from safety.text import normalize_text

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class RasaBridge:
    """One shared aiohttp session to Rasa; safe to use from many concurrent chats."""

    def __init__(self, url: str = RASA_URL, timeout_s: float = RASA_TIMEOUT_S,
                 max_concurrent: int = RASA_MAX_CONCURRENT) -> None:
        self.url = url.rstrip("/")
        self._slots = asyncio.Semaphore(max_concurrent)  # bound on requests in flight to Rasa
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> "RasaBridge":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _post(self, body: dict) -> Any:
        async with self._slots, self._client().post(f"{self.url}/webhooks/rest/webhook", json=body) as resp:
            if resp.status != 200:
                raise RasaUnavailable(f"HTTP {resp.status}")
            return await resp.json()

    async def reply(self, sender: str, message: str, *, payload: bool = False,
                    metadata: Optional[dict] = None) -> list[dict[str, Any]]:
        """Rasa's replies; when Rasa is unavailable or says nothing, the apology with the emergency
        numbers instead, so that no front end ever leaves a user in silence."""
        try:
            send = self.send_payload if payload else self.send_text
            replies = await send(sender, message, metadata)
        except RasaUnavailable as exc:
            logger.warning("Rasa unavailable (%s)", exc)
            replies = []
        return replies or [{"text": messages()["rasa_unavailable"]}]

    async def send_text(self, sender: str, text: str, metadata: Optional[dict] = None) -> list[dict[str, Any]]:
        """A message the user typed. A leading "/" is dropped so typed text can't pose as a button payload."""
        return await self.send_payload(sender, normalize_text(text).lstrip("/").strip(), metadata)

    async def send_payload(self, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict[str, Any]]:
        """A message or button payload ("/help") exactly as given. Returns Rasa's reply messages."""
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        try:
            # One deadline for queueing behind other chats *and* Rasa's answer, so that under overload a
            # user still hears back (the apology carries the emergency numbers) within the timeout.
            replies = await asyncio.wait_for(self._post(body), self.timeout.total)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply")
        return replies
