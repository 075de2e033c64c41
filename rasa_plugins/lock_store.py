"""The conversation lock store, chosen by the environment so one endpoints.yml fits every deployment.

Rasa processes the messages of one conversation one at a time under a ticket lock. With one Rasa
server the lock can live in memory (the embedded default). With several replicas sharing a tracker
store, the lock must be shared too, or two replicas could process one conversation at once and
interleave its events: set LOCK_STORE_URL=redis://host:6379/1 (rediss:// for TLS; a password in the
URL is used). LOCK_STORE_PREFIX (alphanumeric) separates several assistants on one Redis.
TICKET_LOCK_LIFETIME (seconds, Rasa's own setting, default 60) bounds how long a crashed replica's
lock can hold up its conversation; we use 5 in the scale-out configuration (a turn takes < 1 s).

One fix to Rasa 3.6's ticket lock, found by killing a replica under load (tests/test_scale_out.py):
a message waiting behind a crashed replica's ticket has a ticket of its own that expires a moment
after the crashed one; Rasa checks only once a second, so it often finds both gone and then waits
for ever ("1 other item has to be finished first") until the client gives up. Here a waiter whose
ticket has expired queues again, and waiters check every 50 ms instead of every second.
"""
from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

WAIT_S = 0.05


class RequeueingLockMixin:
    """Rasa's ticket lock, except that a waiter whose own ticket expired takes a new one."""

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = WAIT_S) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock: Optional[TicketLock] = self.get_lock(conversation_id)
                if lock is None or lock._ticket_for_ticket_number(ticket) is None:
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)  # ours expired while waiting
                    continue
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(min(wait_time_in_seconds, WAIT_S))
                self.update_lock(conversation_id)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)


class RedisTicketLockStore(RequeueingLockMixin, RedisLockStore):
    pass


class InMemoryTicketLockStore(RequeueingLockMixin, InMemoryLockStore):
    pass


def lock_store_from_env() -> LockStore:
    url = os.environ.get("LOCK_STORE_URL", "").strip()
    if not url:
        return InMemoryTicketLockStore()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"LOCK_STORE_URL must be a redis:// or rediss:// URL, not {parts.scheme or url!r}")
    db = parts.path.strip("/") or "1"
    return RedisTicketLockStore(host=parts.hostname or "localhost", port=parts.port or 6379, db=int(db),
                          username=unquote(parts.username) if parts.username else None,
                          password=unquote(parts.password) if parts.password else None,
                          use_ssl=parts.scheme == "rediss", key_prefix=os.environ.get("LOCK_STORE_PREFIX") or None)


class EnvLockStore(LockStore):
    """Referenced from endpoints.yml; building it returns the lock store LOCK_STORE_URL asks for."""

    def __new__(cls, *args: Any, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        return lock_store_from_env()
