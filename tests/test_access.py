"""Who is staff (backoffice/access.py): expiring sessions rotated at login, form tokens bound to their session,
throttled logins, the Telegram allowlist and the token check. No servers: these run in `make test-fast`."""
from __future__ import annotations

from backoffice.access import LoginThrottle, StaffSessions, is_staff_hash, staff_token_ok, throttled_login


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_staff_sessions_expire() -> None:
    clock = Clock()
    sessions = StaffSessions(hours=2, clock=clock)
    assert sessions.login("wrong", token="right") is None
    session = sessions.login("right", token="right")
    assert session and sessions.valid(session) and sessions.max_age_s() == 7200
    clock.now += 7199
    assert sessions.valid(session)
    clock.now += 1
    assert not sessions.valid(session) and not sessions.csrf_token(session)
    assert not sessions.valid(None) and not sessions.valid("x" * 200)


def test_a_login_rotates_the_session_id() -> None:
    sessions = StaffSessions(clock=Clock())
    first = sessions.login("right", token="right")
    second = sessions.login("right", previous=first, token="right")
    assert second != first and sessions.valid(second) and not sessions.valid(first)
    assert sessions.login("wrong", previous=second, token="right") is None
    assert sessions.valid(second)  # a failed login does not end the session
    sessions.logout(second)
    assert not sessions.valid(second)


def test_csrf_tokens_are_bound_to_their_session() -> None:
    sessions = StaffSessions(clock=Clock())
    a, b = sessions.open(), sessions.open()
    token_a = sessions.csrf_token(a)
    assert token_a and token_a != sessions.csrf_token(b)
    assert sessions.csrf_ok(a, token_a)
    assert not sessions.csrf_ok(b, token_a) and not sessions.csrf_ok(a, "") and not sessions.csrf_ok(a, token_a + "x")
    sessions.logout(a)
    assert not sessions.csrf_ok(a, token_a)


def test_logins_are_throttled_after_five_failures_per_client() -> None:
    clock = Clock()
    throttle = LoginThrottle(window_s=900, clock=clock)
    for _ in range(4):
        throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 900 and throttle.wait_s("10.0.0.2") == 0  # other clients may try
    clock.now += 600
    assert throttle.wait_s("10.0.0.1") == 300
    clock.now += 300  # the window has passed
    assert throttle.wait_s("10.0.0.1") == 0
    for _ in range(5):
        throttle.failed("10.0.0.3")
    throttle.succeeded("10.0.0.3")
    assert throttle.wait_s("10.0.0.3") == 0


def test_the_allowlist_and_the_token_check() -> None:
    assert not staff_token_ok("anything", token="") and not staff_token_ok("", token="")
    assert staff_token_ok(" secret ", token="secret") and not staff_token_ok("secre", token="secret")
    assert is_staff_hash("ABC123", frozenset({"abc123"})) and not is_staff_hash("abc123", frozenset())


def test_a_throttled_login_does_not_even_try_the_token() -> None:
    clock = Clock()
    sessions, throttle = StaffSessions(clock=clock), LoginThrottle(allowed=2, window_s=60, clock=clock)
    assert throttled_login(sessions, throttle, "a", "wrong", token="right") == (None, 0.0)
    assert throttled_login(sessions, throttle, "a", "wrong", token="right") == (None, 0.0)
    session, wait = throttled_login(sessions, throttle, "a", "right", token="right")
    assert session is None and wait == 60  # the right token, refused while throttled
    session, wait = throttled_login(sessions, throttle, "b", "right", token="right")  # another client is not
    assert sessions.valid(session) and wait == 0
    clock.now += 60
    session, _ = throttled_login(sessions, throttle, "a", "right", token="right")
    assert sessions.valid(session) and throttle.wait_s("a") == 0  # a success clears the client's failures
