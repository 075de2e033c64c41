"""Who is staff, in every front end: the Telegram allowlist, the staff token, and browser sessions.

- Telegram: a user is staff when their keyed hash (contract.secrets / bot.privacy sender_id) is in
  STAFF_IDS. Raw Telegram ids are never kept.
- Browsers (the web chat's `/staff TOKEN` and the dashboard's login): STAFF_TOKEN, compared in constant
  time, opens a server-side session. A session id is random, expires (STAFF_SESSION_HOURS, default 8),
  and a login always issues a new one (rotation), so an id planted before login is worthless after it.
- Logins are throttled per client: after LOGIN_FAILURES_ALLOWED wrong tokens in LOGIN_WINDOW_S, that
  client waits until the window has passed, so a token cannot be guessed by brute force.

Nothing here imports a front end; bot/ and the dashboard call into it.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional

SESSION_HOURS = float(os.environ.get("STAFF_SESSION_HOURS", "8"))
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_S = 15 * 60.0
MAX_SESSIONS = 1000  # per process; the oldest session goes first when there are more


def staff_ids_from_env() -> frozenset[str]:
    """STAFF_IDS: comma-separated keyed hashes (``python -m backoffice.staff hash TELEGRAM_USER_ID``)."""
    return frozenset(v.strip().lower() for v in os.environ.get("STAFF_IDS", "").split(",") if v.strip())


def is_staff_hash(sender_hash: str, staff_ids: frozenset[str]) -> bool:
    """Whether a keyed sender hash is on the allowlist (an empty allowlist has no staff)."""
    return bool(staff_ids) and sender_hash.lower() in staff_ids


def staff_token_ok(given: str, token: Optional[str] = None) -> bool:
    """The staff token check (constant time); never true when no token is configured."""
    expected = token if token is not None else os.environ.get("STAFF_TOKEN", "")
    return bool(expected) and hmac.compare_digest(given.strip().encode(), expected.encode())


def session_key(session_id: str) -> str:
    """Sessions (and what is bound to them) are kept by hash, so a memory dump does not hand out live ids."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class StaffSessions:
    """Server-side staff sessions for browsers, in memory (a restart logs everyone out, by design)."""

    hours: float = SESSION_HOURS
    clock: Callable[[], float] = time.time
    _expiry: dict[str, float] = field(default_factory=dict)
    _csrf: dict[str, str] = field(default_factory=dict)

    def login(self, token_given: str, previous: Optional[str] = None, token: Optional[str] = None) -> Optional[str]:
        """A new session id if the token is right (the previous session, if any, ends), else None."""
        if not staff_token_ok(token_given, token):
            return None
        if previous:
            self.logout(previous)
        return self.open()

    def open(self) -> str:
        """A new session id for a person who has just proved they are staff."""
        self._sweep()
        while len(self._expiry) >= MAX_SESSIONS:
            oldest = min(self._expiry, key=self._expiry.__getitem__)
            self._expiry.pop(oldest)
            self._csrf.pop(oldest, None)
        session_id = secrets.token_urlsafe(32)
        self._expiry[session_key(session_id)] = self.clock() + self.hours * 3600
        self._csrf[session_key(session_id)] = secrets.token_urlsafe(24)
        return session_id

    def valid(self, session_id: Optional[str]) -> bool:
        if not session_id or len(session_id) > 128:
            return False
        expiry = self._expiry.get(session_key(session_id))
        if expiry is None:
            return False
        if expiry <= self.clock():
            self.logout(session_id)
            return False
        return True

    def csrf_token(self, session_id: str) -> str:
        """The form token bound to this session (forms that change data must carry it)."""
        return self._csrf.get(session_key(session_id), "")

    def csrf_ok(self, session_id: str, given: str) -> bool:
        expected = self._csrf.get(session_key(session_id), "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    def logout(self, session_id: str) -> None:
        self._expiry.pop(session_key(session_id), None)
        self._csrf.pop(session_key(session_id), None)

    def max_age_s(self) -> int:
        return int(self.hours * 3600)

    def _sweep(self) -> None:
        now = self.clock()
        for key in [k for k, expiry in self._expiry.items() if expiry <= now]:
            self._expiry.pop(key, None)
            self._csrf.pop(key, None)


@dataclass
class LoginThrottle:
    """At most ``allowed`` failed logins per client in ``window_s``; then that client waits."""

    allowed: int = LOGIN_FAILURES_ALLOWED
    window_s: float = LOGIN_WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque] = field(default_factory=dict)

    def wait_s(self, client: str) -> float:
        """Seconds this client must wait before its next try (0: it may try now)."""
        failures = self._recent(client)
        if len(failures) < self.allowed:
            return 0.0
        return max(0.0, failures[0] + self.window_s - self.clock())

    def failed(self, client: str) -> None:
        self._recent(client).append(self.clock())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def _recent(self, client: str) -> deque:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] + self.window_s <= self.clock():
            failures.popleft()
        if len(self._failures) > 10_000:  # many clients: drop the ones with nothing recent
            for key in [k for k, v in self._failures.items() if not v and k != client]:
                self._failures.pop(key, None)
        return failures


def throttled_login(sessions: StaffSessions, throttle: LoginThrottle, client: str, token_given: str,
                    previous: Optional[str] = None, token: Optional[str] = None) -> tuple[Optional[str], float]:
    """(a new session id, 0) for the right token; (None, 0) for a wrong one, counted against ``client``; and
    (None, seconds to wait) while the client is throttled, without trying the token (a guesser learns
    nothing from a right token sent while throttled)."""
    wait = throttle.wait_s(client)
    if wait > 0:
        return None, wait
    new_session = sessions.login(token_given, previous=previous, token=token)
    if new_session is None:
        throttle.failed(client)
    else:
        throttle.succeeded(client)
    return new_session, 0.0
