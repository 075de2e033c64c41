"""The bridge from any front end to Rasa's REST channel (POST /webhooks/rest/webhook).

Front ends never talk to Rasa any other way. The bridge guarantees every message an answer within
RASA_TIMEOUT_S: Rasa's replies, or, when Rasa is down, slow or overloaded, a short apology with the
emergency numbers. Under overload it sheds load at the door (a message that cannot get a slot within
RASA_QUEUE_WAIT_S is answered "busy" and never sent), so Rasa keeps working at full speed on what it
accepted instead of finishing answers nobody waits for any more. A message the crisis rules
(safety/crisis_terms.yml) recognise is never shed: it waits for a slot up to the full deadline, so a
child in danger gets Rasa's emergency answer even under overload (and the apology with the same
numbers if even that fails).

With several Rasa replicas (RASA_URL="http://rasa-1:5005,http://rasa-2:5005") each conversation
sticks to one replica (a hash of the pseudonymous sender id), which keeps its tracker warm in that
replica's cache; if that replica refuses the connection the next one answers. The replicas share the
tracker store and the Redis lock store, so the move loses nothing.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any, Optional

import aiohttp

from bot import metrics
from contract.limits import MAX_PAYLOAD_CHARS, MAX_TEXT_CHARS, clip_text
from bot.messages import messages
from bot.settings import RASA_MAX_CONCURRENT, RASA_QUEUE_WAIT_S, RASA_TIMEOUT_S, RASA_URL
from contract.secrets import RASA_WEBHOOK_SECRET_HEADER, rasa_webhook_secret
from safety.crisis import default_detector
from safety.text import normalize_text

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class RasaBusy(RasaUnavailable):
    """Too many messages are waiting already: answered at once, not queued."""


# Errors that mean the replica is gone (refused, reset, closed): send the message to another replica.
# A replica that died after saving the turn but before answering makes that turn run twice (at least
# once, never lost); a slow replica is not retried elsewhere, it may still be working on the turn.
_NOT_DELIVERED = (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError)


class RasaBridge:
    """One shared aiohttp session to Rasa; safe to use from many concurrent chats."""

    def __init__(self, url: str = RASA_URL, timeout_s: float = RASA_TIMEOUT_S,
                 max_concurrent: int = RASA_MAX_CONCURRENT, queue_wait_s: float = RASA_QUEUE_WAIT_S,
                 channel: str = "telegram") -> None:
        self.channel = channel  # the front end, for metrics and logs
        self.urls = [u.strip().rstrip("/") for u in url.split(",") if u.strip()]
        if not self.urls:
            raise ValueError("RASA_URL is empty")
        self.url = self.urls[0]
        self._slots = asyncio.Semaphore(max_concurrent)  # bound on requests in flight to Rasa
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.queue_wait_s = min(queue_wait_s, timeout_s)
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
            secret = rasa_webhook_secret()  # Rasa's webhook refuses posts without it (rasa_plugins/rest_channel.py)
            headers = {RASA_WEBHOOK_SECRET_HEADER: secret} if secret else None
            self._session = aiohttp.ClientSession(timeout=self.timeout, headers=headers)
        return self._session

    def replicas_for(self, sender: str) -> list[str]:
        """The sender's own replica first, then the others in a fixed order."""
        start = int(hashlib.blake2s(sender.encode(), digest_size=4).hexdigest(), 16) % len(self.urls)
        return self.urls[start:] + self.urls[:start]

    async def _post(self, body: dict, urgent: bool = False) -> Any:
        metrics.RASA_QUEUED.inc()
        try:
            await asyncio.wait_for(self._slots.acquire(), self.timeout.total if urgent else self.queue_wait_s)
        except asyncio.TimeoutError:
            raise RasaBusy("no free slot") from None
        finally:
            metrics.RASA_QUEUED.dec()
        metrics.RASA_IN_FLIGHT.inc()
        try:
            replicas = self.replicas_for(body["sender"])
            for i, url in enumerate(replicas):
                try:
                    async with self._client().post(f"{url}/webhooks/rest/webhook", json=body) as resp:
                        if resp.status != 200:
                            raise RasaUnavailable(f"HTTP {resp.status}")
                        return await resp.json()
                except _NOT_DELIVERED:
                    metrics.RASA_UP.labels(url).set(0)
                    if i == len(replicas) - 1:
                        raise
                    logger.warning("Rasa replica %d of %d unreachable; trying the next", i + 1, len(replicas))
        finally:
            metrics.RASA_IN_FLIGHT.dec()
            self._slots.release()

    async def reply(self, sender: str, message: str, *, payload: bool = False,
                    metadata: Optional[dict] = None) -> list[dict[str, Any]]:
        """Rasa's replies; when Rasa is busy, unavailable or says nothing, the apology with the
        emergency numbers instead, so that no front end ever leaves a user in silence. Text and payloads
        are cut to contract.limits' caps first: every front end goes through here."""
        message = clip_text(message, MAX_PAYLOAD_CHARS if payload else MAX_TEXT_CHARS)
        started = time.monotonic()
        outcome, text = "answered", None
        try:
            send = self.send_payload if payload else self.send_text
            replies = await send(sender, message, metadata)
        except RasaBusy:
            outcome, text, replies = "busy", messages()["rasa_busy"], []
        except RasaUnavailable as exc:
            logger.warning("Rasa unavailable (%s)", exc)
            metrics.ERRORS.labels("rasa").inc()
            outcome, text, replies = "unavailable", messages()["rasa_unavailable"], []
        if not replies and text is None:
            outcome, text = "unavailable", messages()["rasa_unavailable"]
        seconds = time.monotonic() - started
        metrics.REPLIES.labels(self.channel, outcome).inc()
        metrics.REPLY_SECONDS.labels(self.channel).observe(seconds)
        logger.info("turn %s", outcome, extra={"channel": self.channel, "outcome": outcome, "payload": payload,
                                               "replies": len(replies) or 1, "latency_ms": round(seconds * 1000)})
        return replies or [{"text": text}]

    async def send_text(self, sender: str, text: str, metadata: Optional[dict] = None) -> list[dict[str, Any]]:
        """A message the user typed. A leading "/" is dropped so typed text can't pose as a button payload."""
        text = normalize_text(text).lstrip("/").strip()
        return await self.send_payload(sender, text, metadata, urgent=default_detector().is_crisis(text))

    async def send_payload(self, sender: str, message: str, metadata: Optional[dict] = None,
                           urgent: bool = False) -> list[dict[str, Any]]:
        """A message or button payload ("/help") exactly as given. Returns Rasa's reply messages.
        ``urgent`` (a crisis message, or the emergency button) is never shed under overload."""
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        urgent = urgent or message.startswith("/emergency")
        try:
            # One deadline for queueing behind other chats *and* Rasa's answer, so that under overload a
            # user still hears back (the apology carries the emergency numbers) within the timeout.
            replies = await asyncio.wait_for(self._post(body, urgent), self.timeout.total)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, OSError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply")
        return replies

    async def ready(self) -> bool:
        """True if at least one Rasa replica answers its health check (GET /) now; updates the
        surokkha_rasa_up gauge per replica. Rasa only listens once its model is loaded."""
        up = False
        for url in self.urls:
            try:
                async with self._client().get(f"{url}/", timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    ok = resp.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                ok = False
            metrics.RASA_UP.labels(url).set(1 if ok else 0)
            up = up or ok
        return up
