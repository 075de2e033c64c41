"""The Rasa server plug-ins: the cached tracker store never serves a stale conversation, the lock store
follows the environment, and user data never reaches Rasa's logs."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import structlog
from sqlalchemy import create_engine, text

from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa_plugins.lock_store import EnvLockStore
from rasa_patches.log_privacy import REDACTED, apply, redact_user_data
from rasa_plugins.tracker_store import CachedSQLTrackerStore
from tools.model import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def store(domain: Domain, url: str) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain, url=url)


def test_cached_trackers_follow_the_database(domain: Domain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    first, second = store(domain, url), store(domain, url)  # e.g. two replicas
    tracker = asyncio.run(first.get_or_create_tracker("child-1"))
    tracker.update(UserUttered("hello", {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet("language", "en"))
    asyncio.run(first.save(tracker))
    assert asyncio.run(first.retrieve("child-1")) is tracker  # served from the cache

    # the other replica takes a turn: the first one must reload, not answer from its stale copy
    other = asyncio.run(second.retrieve("child-1"))
    other.update(SlotSet("language", "bn"))
    asyncio.run(second.save(other))
    fresh = asyncio.run(first.retrieve("child-1"))
    assert fresh is not tracker and fresh.get_slot("language") == "bn"
    assert len(fresh.events) == len(other.events)

    # a turn that failed before saving leaves the cached copy longer than the database: not used
    fresh.update(ActionExecuted("utter_greet"))
    assert asyncio.run(first.retrieve("child-1")) is not fresh

    # /forget deletes the rows behind Rasa's back: the conversation is gone for every replica
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE sender_id = 'child-1'"))
    assert asyncio.run(first.retrieve("child-1")) is None
    assert asyncio.run(second.retrieve("child-1")) is None
    engine.dispose()


def test_saved_events_are_exactly_rasas(domain: Domain, tmp_path: Path) -> None:
    """Cached or not, each event is stored once, in order, in Rasa's own table layout."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    cached = store(domain, url)
    tracker = asyncio.run(cached.get_or_create_tracker("child-2"))
    for i in range(3):
        tracker.update(UserUttered(f"message {i}", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("utter_greet"))
        tracker.update(ActionExecuted("action_listen"))
        asyncio.run(cached.save(tracker))
        tracker = asyncio.run(cached.retrieve("child-2"))
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type_name, intent_name, action_name FROM events "
                                 "WHERE sender_id = 'child-2' ORDER BY id")).all()
    engine.dispose()
    assert [r.type_name for r in rows] == ["action"] + ["user", "action", "action"] * 3
    assert [r.intent_name for r in rows if r.type_name == "user"] == ["greet"] * 3
    assert len(rows) == len(tracker.events)


def test_sqlite_runs_in_wal_mode(domain: Domain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    s = store(domain, url)
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_lock_store_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert isinstance(EnvLockStore(), InMemoryLockStore)
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379/1")
    redis_store = EnvLockStore()
    assert isinstance(redis_store, RedisLockStore) and redis_store.red.ping()
    monkeypatch.setenv("LOCK_STORE_URL", "memcached://x")
    with pytest.raises(ValueError):
        EnvLockStore()


def test_a_waiter_whose_ticket_expired_still_gets_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crashed replica's ticket and the waiter's own ticket both expire: Rasa 3.6 then waits for ever;
    ours queues again and is served."""
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    locks = EnvLockStore()
    locks.issue_ticket("child-3", 0.3)  # the crashed holder: never cleaned up

    async def wait_for_lock() -> float:
        started = time.monotonic()
        async with locks.lock("child-3", lock_lifetime=0.35):
            return time.monotonic() - started
    waited = asyncio.run(asyncio.wait_for(wait_for_lock(), 10))
    assert waited >= 0.25  # it did wait for the stale ticket to expire first
    assert locks.get_lock("child-3") is None  # and cleaned up after itself


def test_a_forgotten_conversation_leaves_rasa_memory_too(domain: Domain, tmp_path: Path) -> None:
    """Security review, finding 8: /forget deletes the rows; the cached tracker (with the text) must go from
    Rasa's memory as well, without waiting for that child to write again; idle ones go after a while."""
    from backoffice.conversations import ConversationStore

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    rasa = store(domain, url)
    rasa.sweep_every = 0.05

    async def conversation() -> None:
        for sender in ("child-f", "child-g"):
            tracker = await rasa.get_or_create_tracker(sender)
            tracker.update(UserUttered("amar biye dicche, ami 14", {"name": "report_child_marriage", "confidence": 1.0}))
            await rasa.save(tracker)
            assert await rasa.retrieve(sender) is tracker  # cached, and the sweeper is running
        await asyncio.sleep(0.2)
        assert set(rasa._cache) == {"child-f", "child-g"}  # the database still backs both
        ConversationStore(url).forget("child-f")  # what the bot does on /forget
        await asyncio.sleep(0.2)
        assert set(rasa._cache) == {"child-g"}
        rasa.idle_limit = 0.1
        await asyncio.sleep(0.3)
        assert not rasa._cache

    asyncio.run(conversation())


def test_rasa_logs_only_the_type_of_an_action_server_error(tmp_path: Path) -> None:
    """Security review, finding 8: rasa_sdk answers an action's exception with the whole request (the tracker
    with the child's words); Rasa raises it from RemoteAction and logs the chain at ERROR. Through the
    stdlib filter only the exception types remain."""
    import io
    import logging

    from aiohttp import web
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from safety.redaction import REDACT_RECORDS, install_stdlib_filter
    from tests.local_server import serve

    words = "he beats me every night"

    async def action_server(_request: web.Request) -> web.Response:  # rasa_sdk's 500 body, as it sends it
        return web.json_response({"error": "KeyError('x')",
                                  "request_body": {"tracker": {"latest_message": {"text": words}}}}, status=500)

    async def run_and_log() -> None:
        domain = Domain.load(str(ROOT / "domain.yml"))
        tracker = DialogueStateTracker.from_events("child-h", [UserUttered(words)])
        async with serve(action_server) as url:
            try:
                await RemoteAction("action_answer", EndpointConfig(url)).run(
                    CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)
            except Exception:  # what rasa.core.processor does with it
                logging.getLogger("rasa.core.processor").exception(
                    "Encountered an exception while running action 'action_answer'.")

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    filtered = [h for h in root.handlers if REDACT_RECORDS in h.filters]  # importing actions/ installed it
    for other in filtered:
        other.removeFilter(REDACT_RECORDS)
    root.addHandler(handler)
    try:
        asyncio.run(run_and_log())  # without the filter: the words are in the log (the finding)
        assert words in out.getvalue()
        out.truncate(0)
        out.seek(0)
        install_stdlib_filter()
        assert REDACT_RECORDS in handler.filters
        asyncio.run(run_and_log())
        logged = out.getvalue()
        assert "Encountered an exception while running action 'action_answer'." in logged
        assert "RasaException from ClientResponseError" in logged
        assert words not in logged and "beats" not in logged
    finally:
        root.removeHandler(handler)
        for other in filtered:
            other.addFilter(REDACT_RECORDS)


def test_user_data_is_redacted_from_rasa_logs() -> None:
    event = redact_user_data(None, "error", {"event": "rest.message.received.timeout", "level": "error",
                                             "text": "amar biye dicche, ami 14", "values": {"location": "Khulna"},
                                             "exc_info": KeyError("'language'")})
    assert event["text"] == REDACTED and event["values"] == REDACTED
    assert event["event"] == "rest.message.received.timeout" and event["exc_type"] == "KeyError"
    assert "exc_info" not in event

    from rasa.utils.log_utils import configure_structlog

    configure_structlog()
    apply()
    apply()  # idempotent
    processors = structlog.get_config()["processors"]
    assert processors[0] is redact_user_data and processors.count(redact_user_data) == 1


def test_templates_fill_slots_but_leave_button_payloads_alone() -> None:
    from rasa.core.nlg import interpolator

    from rasa_patches import templates

    templates.apply()
    response = {"text": "You are in {district}. Unknown {nothing} stays.",
                "buttons": [{"title": "English", "payload": '/set_language{"language": "en"}'}]}
    filled = interpolator.interpolate(response, {"district": "Khulna", "language": "bn"})
    assert filled["text"] == "You are in Khulna. Unknown {nothing} stays."
    assert filled["buttons"][0]["payload"] == '/set_language{"language": "en"}'
