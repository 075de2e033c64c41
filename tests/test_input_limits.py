"""Issue 15, finding 9: the text length is capped at every entry point: the front ends' one bridge to
Rasa (Telegram, web chat and console all go through it) and Rasa's own REST webhook."""
from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from contract.limits import MAX_PAYLOAD_CHARS, MAX_TEXT_CHARS
from bot.rasa_bridge import RasaBridge
from tests.stack import RasaStack
from tests.test_telegram_security import RecordingRasa


def stored_texts(rasa_stack: RasaStack, sender: str) -> list[str]:
    with sqlite3.connect(rasa_stack.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)).fetchall()
    return [json.loads(data).get("text") or "" for (data,) in rows]


def test_rasa_webhook_cuts_long_text(rasa_stack: RasaStack) -> None:
    sender = uuid.uuid4().hex
    replies = rasa_stack.send(sender, "amake bachao " + "x" * 200_000)
    assert replies and "999" in replies[0]["text"]  # the crisis phrase at the start still counts
    texts = stored_texts(rasa_stack, sender)
    assert texts and all(len(t) <= MAX_TEXT_CHARS for t in texts)


async def test_the_bridge_cuts_text_and_payloads(rasa_stack: RasaStack) -> None:
    rasa = await RecordingRasa(rasa_stack.url).up()
    try:
        async with RasaBridge(rasa.url, channel="web") as bridge:
            await bridge.reply(uuid.uuid4().hex, "what is trafficking " + "y" * 50_000)
            await bridge.reply(uuid.uuid4().hex, "/help" + "z" * 50_000, payload=True)
        assert len(rasa.messages[0]) <= MAX_TEXT_CHARS and rasa.messages[0].startswith("what is trafficking")
        assert len(rasa.messages[1]) <= MAX_PAYLOAD_CHARS
    finally:
        await rasa.down()


def test_the_webhook_patch_checks_what_it_patches(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.channels.rest import RestInput

    from rasa_patches import input_limits

    monkeypatch.delattr(RestInput, "_extract_message")
    with pytest.raises(RuntimeError, match="_extract_message"):
        input_limits.apply()
