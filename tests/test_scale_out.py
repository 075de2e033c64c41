"""The scale-out configuration, for real: two Rasa replicas (separate processes) sharing a PostgreSQL
tracker store and a Redis lock store, one stateless action server, and the bot's bridge in front.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) run on our machines and in CI. Each test run
uses a throwaway database and its own Redis key prefix, so it never touches other data.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, text

from bot.rasa_bridge import RasaBridge
from tests.stack import RasaStack, free_port

PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/1"


class SlowActions(ThreadingHTTPServer):
    """A pass-through to the action server that can hold each call for ``delay_s``: a turn then
    keeps its conversation's lock for that long, so a second message surely arrives meanwhile."""

    daemon_threads = True

    def __init__(self) -> None:
        self.delay_s, self.target = 0.0, ""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(server.delay_s)
                request = urllib.request.Request(server.target, body, {"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as resp:
                    data, status = resp.read(), resp.status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory):
    name = f"scale_out_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    actions = SlowActions()
    stack = RasaStack(tmp_path_factory.mktemp("scale"), replicas=2, tracker_db_url=url, lock_store_url=REDIS,
                      env={"LOCK_STORE_PREFIX": f"t{uuid.uuid4().hex[:10]}", "TICKET_LOCK_LIFETIME": "5"},
                      actions_url=f"http://127.0.0.1:{actions.server_address[1]}/webhook")
    stack.slow_actions = actions
    actions.target = "http://127.0.0.1:{}/webhook"  # the action server's port is chosen by start()
    stack.start()
    actions.target = actions.target.format(stack.actions_port)
    stack.db = create_engine(url)
    try:
        yield stack
    finally:
        actions.shutdown()
        stack.stop()
        stack.db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stored(stack: RasaStack, sender: str) -> list[dict]:
    """The conversation's events as both replicas see them: straight from PostgreSQL, in id order."""
    with stack.db.connect() as conn:
        rows = conn.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}).all()
    return [json.loads(r.data) for r in rows]


def user_texts(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def test_a_conversation_moves_between_replicas_without_losing_state(replicas: RasaStack) -> None:
    sender = uuid.uuid4().hex
    first = replicas.send_to(0, sender, "I need a legal aid office")  # no place yet: asks where
    assert first and any(b.get("payload", "").startswith("/inform_location") for r in first for b in r.get("buttons", []))
    second = replicas.send_to(1, sender, "Jessore")  # the other replica knows what was asked
    assert "Jashore" in " ".join(r.get("text", "") for r in second)
    assert "legal aid" in " ".join(r.get("text", "") for r in second).lower()
    # back on the first replica, whose cached copy is now stale: it must see replica 1's turn
    third = replicas.send_to(0, sender, "/find_shelter")
    assert "Jashore" in " ".join(r.get("text", "") for r in third)
    assert user_texts(stored(replicas, sender)) == ["I need a legal aid office", "Jessore", "/find_shelter"]


async def test_two_messages_of_one_chat_on_two_replicas_are_processed_in_order(replicas: RasaStack) -> None:
    """The first message's turn is held in the action server for 1 s; the second, sent 0.3 s later to
    the other replica, must wait for it (Redis lock). The stored conversation then holds two whole turns
    in the order sent, never interleaved. (With per-replica locks the second overtakes the first.)"""
    async def pair(sender: str) -> None:
        async def send(replica: int, message: str, delay: float) -> None:
            await asyncio.sleep(delay)
            await asyncio.to_thread(replicas.send_to, replica, sender, message)
        await asyncio.gather(send(0, "what is child trafficking?", 0.0), send(1, "/hotline_numbers", 0.3))

    senders = [uuid.uuid4().hex for _ in range(4)]
    for sender in senders:
        replicas.send_to(0, sender, "hello")  # the conversation exists before the race
    replicas.slow_actions.delay_s = 1.0
    try:
        await asyncio.gather(*(pair(s) for s in senders))
    finally:
        replicas.slow_actions.delay_s = 0.0
    for sender in senders:
        events = stored(replicas, sender)
        assert user_texts(events) == ["hello", "what is child trafficking?", "/hotline_numbers"]
        # each user message is followed by its own actions, ending in action_listen, before the next one
        turns, current = [], None
        for e in events:
            if e["event"] == "user":
                current = [e["text"]]
                turns.append(current)
            elif current is not None and e["event"] == "action":
                current.append(e["name"])
        for turn in turns:
            assert turn[-1] == "action_listen" and turn.count("action_listen") == 1, turns


def _senders_split_evenly(bridge: RasaBridge, first_replica: str, count: int) -> list[str]:
    """Random senders, half of them homed on `first_replica`: random ids alone leave fewer than three
    there about once in fifty runs, and then the kill moves too few chats to test anything."""
    on_first: list[str] = []
    elsewhere: list[str] = []
    while len(on_first) < count // 2 or len(elsewhere) < count - count // 2:
        sender = uuid.uuid4().hex
        home = on_first if bridge.replicas_for(sender)[0] == first_replica else elsewhere
        if len(home) < (count // 2 if home is on_first else count - count // 2):
            home.append(sender)
    return on_first + elsewhere


async def test_killing_a_replica_mid_run_loses_no_message(replicas: RasaStack) -> None:
    """Twelve chats keep writing through the bot's bridge while replica 0 is killed (SIGKILL): every
    message is answered by Rasa (not with the apology) and stored."""
    bridge = RasaBridge(",".join(replicas.urls), timeout_s=20)
    senders = _senders_split_evenly(bridge, replicas.urls[0], count=12)
    messages = ["hello", "what is child marriage law?", "/hotline_numbers", "legal aid office in khulna",
                "is a job offer in dubai safe?", "thank you"]
    answers: dict[str, list[str]] = {s: [] for s in senders}
    killed_at: list[float] = []
    answered_after_kill = 0
    a_third_answered = asyncio.Event()

    async def chat(sender: str) -> None:
        nonlocal answered_after_kill
        for message in messages:
            replies = await bridge.reply(sender, message, payload=message.startswith("/"))
            answers[sender].append(replies[0].get("text", ""))
            answered_after_kill += bool(killed_at)
            if sum(map(len, answers.values())) >= len(senders) * len(messages) // 3:
                a_third_answered.set()

    async def kill_soon() -> None:
        await a_third_answered.wait()
        replicas.kill_replica(0)
        killed_at.append(time.monotonic())

    try:
        await asyncio.gather(kill_soon(), *(chat(s) for s in senders))
    finally:
        await bridge.close()
    assert killed_at and answered_after_kill >= len(senders)  # really killed during the run
    for sender in senders:
        assert len(answers[sender]) == len(messages)
        assert not [a for a in answers[sender] if "try again" in a], [a for a in answers[sender] if "try again" in a]
        kept = user_texts(stored(replicas, sender))
        assert all(m in kept for m in messages), (messages, kept)
    logs = " ".join(f.read_text(errors="replace") for f in replicas.workdir.glob("*.log"))
    assert not any(m in logs for m in messages if not m.startswith("/") and m != "hello")  # no user text in logs  # at least once; a message in flight may be retried
