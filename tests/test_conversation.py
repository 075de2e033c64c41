"""End-to-end through Rasa's REST channel with the trained model and the running action server:
the first conversation in all three forms, the safety replies, and bad input."""
from __future__ import annotations

import uuid

import pytest

from tests.stack import RasaStack

EMERGENCY = ("999", "109", "1098")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def is_bangla(text: str) -> bool:
    return sum("\u0980" <= c <= "\u09ff" for c in text) > len(text) / 4


@pytest.mark.parametrize("message,bangla", [
    ("আসসালামু আলাইকুম", True), ("hello there", False), ("assalamualaikum vai kemon achen", True),
])
def test_greeting_in_each_form_gets_a_welcome_in_that_language(rasa_stack: RasaStack, message: str, bangla: bool) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert replies and "999" in texts(replies)
    assert is_bangla(texts(replies)) == bangla
    assert any(b["payload"] == "/help" for r in replies for b in r.get("buttons", []))


@pytest.mark.parametrize("message", [
    "ওরা আমাকে একটা ঘরে আটকে রেখেছে", "please help they locked me in a room",
    "amake jor kore biye dicche aj rate", "বাঁচাও", "HELPPPP", "🆘",
])
def test_crisis_gets_the_emergency_numbers_in_the_first_reply(rasa_stack: RasaStack, message: str) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert all(n in replies[0]["text"] for n in EMERGENCY)


def test_crisis_in_the_middle_of_a_conversation(rasa_stack: RasaStack, sender: str) -> None:
    rasa_stack.send(sender, "what is child marriage law")
    replies = rasa_stack.send(sender, "they are taking me away to india right now")
    assert all(n in replies[0]["text"] for n in EMERGENCY)
    assert not is_bangla(replies[0]["text"])


def test_language_follows_the_latest_message(rasa_stack: RasaStack, sender: str) -> None:
    assert not is_bangla(texts(rasa_stack.send(sender, "hi, are you a robot?")))
    assert is_bangla(texts(rasa_stack.send(sender, "tumi ki manush?")))
    tracker = rasa_stack.tracker(sender)
    assert tracker["slots"]["language"] == "bn"


def test_bot_challenge_says_it_is_a_program(rasa_stack: RasaStack) -> None:
    reply = texts(rasa_stack.send(uuid.uuid4().hex, "are you a real person or a bot?"))
    assert "not a person" in reply


def test_help_shows_buttons(rasa_stack: RasaStack) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, "/help")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert len(buttons) >= 4 and all(b["payload"].startswith("/") for b in buttons)


def test_set_language_explicitly_and_by_command(rasa_stack: RasaStack, sender: str) -> None:
    replies = rasa_stack.send(sender, "/set_language")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert '/set_language{"language": "en"}' in payloads
    rasa_stack.send(sender, '/set_language{"language": "en"}')
    assert rasa_stack.tracker(sender)["slots"]["language"] == "en"
    assert not is_bangla(texts(rasa_stack.send(sender, "/hotline_numbers")))
    rasa_stack.send(sender, "please reply in bangla")
    assert rasa_stack.tracker(sender)["slots"]["language"] == "bn"


def test_hotlines_list_the_national_numbers(rasa_stack: RasaStack) -> None:
    reply = texts(rasa_stack.send(uuid.uuid4().hex, "what is the child helpline number?"))
    assert all(n in reply for n in EMERGENCY)


@pytest.mark.parametrize("message,expected_phrase", [
    ("what is human trafficking?", "trafficking"),
    ("বাল্যবিবাহ আইনে মেয়েদের বিয়ের বয়স কত?", "১৮"),
    ("upobritti ki ki ache school college er jonno", "উপবৃত্তি"),
])
def test_knowledge_questions_get_answers_with_helplines(rasa_stack: RasaStack, message: str, expected_phrase: str) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert expected_phrase in texts(replies)
    assert "📞" in texts(replies) and replies[-1].get("buttons")


@pytest.mark.parametrize("message", [
    "", "   ", "🙂🙂🙂", "a" * 4000, "ঢাকা " * 800, "amar নাম rina, ami ki help পাবো?", "????", "12345",
])
def test_bad_input_gets_a_sensible_reply(rasa_stack: RasaStack, message: str) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert replies and texts(replies).strip()


def test_unknown_or_low_confidence_gets_the_fallback_with_emergency_numbers(rasa_stack: RasaStack) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, "🙂🙂🙂")
    assert all(n in texts(replies) for n in EMERGENCY)


def test_parse_returns_the_contract_intents(rasa_stack: RasaStack) -> None:
    assert rasa_stack.parse("আমাকে বাঁচাও")["intent"]["name"] == "emergency"
    parsed = rasa_stack.parse("legal aid office in jessore")
    assert parsed["intent"]["name"] == "find_legal_aid"
    assert {"entity": "language", "value": "en"}.items() <= parsed["entities"][-1].items()
