"""Pseudonymous ids and the retention purge, on a real SQLite tracker store table."""
from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from backoffice.conversations import ConversationStore
from bot.privacy import sender_id

RASA_EVENTS = """CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def test_sender_ids_are_keyed_hashes() -> None:
    a = sender_id("telegram", 12345, secret="k1")
    assert a == sender_id("telegram", 12345, secret="k1") and "12345" not in a and len(a) == 32
    assert a != sender_id("telegram", 12345, secret="k2") != sender_id("telegram", 12346, secret="k1")


def test_purge_deletes_only_old_events_and_forget_one_user(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    now = time.time()
    with engine.begin() as conn:
        conn.execute(text(RASA_EVENTS))
        for sender, age_days in (("old", 45), ("old", 31), ("new", 1), ("new", 0), ("other", 2)):
            conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp) VALUES (:s, 'user', :t)"),
                         {"s": sender, "t": now - age_days * 86400})
    store = ConversationStore(url)
    assert store.purge(days=30) == 2
    assert store.forget("new") == 2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sender_id FROM events")).scalars().all() == ["other"]


def test_no_tracker_table_yet_is_fine(tmp_path) -> None:
    store = ConversationStore(f"sqlite:///{tmp_path / 'empty.db'}")
    assert store.purge() == 0 and store.forget("x") == 0
