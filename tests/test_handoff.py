"""Human handoff end to end: the real trained model and action server (rasa_stack), the real
python-telegram-bot client against the fake Bot API, a staff chat.

Consent: nothing reaches the staff chat without a yes right after the offer; a yes posts exactly one
summary, with no raw id, name or message text; staff answers by reference reach the user; without a
staff chat the user gets the helplines instead of an offer; distress twice brings the offer.
"""
from __future__ import annotations

import re

import pytest

from actions.answer_book import answer_book
from bot.buttons import token_for
from bot.handoff import HandoffDesk
from bot.messages import messages
from bot.privacy import sender_id
from tests.fake_telegram import FakeTelegram, start_bot, stop_bot
from tests.stack import RasaStack

TOKEN = "123456:TEST-TOKEN"
STAFF_CHAT = -100777
COUNSELLOR = 4242
USER_ID = 876543210987  # distinctive, so a leak would be easy to find
REF = re.compile(r"H-[A-Z2-9]{4}")


async def start_handoff_bot(fake: FakeTelegram, rasa_stack: RasaStack):
    return await start_bot(fake, rasa_stack.url, tracker_db_url=f"sqlite:///{rasa_stack.tracker_db}",
                           directory_url=f"sqlite:///{rasa_stack.workdir / 'referral.db'}")


@pytest.fixture
async def telegram(rasa_stack: RasaStack, monkeypatch):
    monkeypatch.setenv("STAFF_CHAT_ID", str(STAFF_CHAT))
    fake = await FakeTelegram().start()
    app = await start_handoff_bot(fake, rasa_stack)
    yield fake
    await stop_bot(app)
    await fake.stop()


def buttons(message: dict) -> dict[str, str]:
    """title -> callback data of a message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def payloads(message: dict, known: tuple = ("/affirm", "/deny")) -> set[str]:
    """Which of the ``known`` payloads a message's buttons carry (callback data holds the bot's tokens)."""
    data = set(buttons(message).values())
    return {p for p in known if token_for(int(message["chat_id"]), p) in data}


async def offer(fake: FakeTelegram, chat: int, user: int, text: str = "I want to talk to a real person") -> dict:
    before = len(fake.sent(chat))
    fake.send_text(chat, user, text)
    sent = await fake.wait_for(chat, before + 1)
    assert "/affirm" in payloads(sent[-1]), sent[-1]["text"]
    return sent[-1]


async def test_asking_for_a_person_gets_an_offer_that_says_what_is_shared(telegram: FakeTelegram) -> None:
    message = await offer(telegram, 1, USER_ID)
    text = message["text"]
    assert "Not shared: your name, username, phone number or your messages" in text
    assert "asked to talk to a person" in text and "English" in text and "1098" in text
    assert payloads(message) == {"/affirm", "/deny"} and len(buttons(message)) == 2
    assert telegram.sent(STAFF_CHAT) == []


async def test_no_after_the_offer_sends_nothing(telegram: FakeTelegram) -> None:
    await offer(telegram, 2, USER_ID + 1)
    telegram.send_text(2, USER_ID + 1, "no")
    sent = await telegram.wait_for(2, 2)
    assert "not shared anything" in sent[-1]["text"]
    telegram.send_text(2, USER_ID + 1, "yes")  # a yes that no longer answers the offer
    await telegram.wait_for(2, 3)
    assert telegram.sent(STAFF_CHAT) == []


async def test_any_other_message_after_the_offer_sends_nothing(telegram: FakeTelegram) -> None:
    await offer(telegram, 3, USER_ID + 2, "manush er sathe kotha bolte chai")
    telegram.send_text(3, USER_ID + 2, "what is trafficking")
    telegram.send_text(3, USER_ID + 2, "yes")
    await telegram.wait_for(3, 3)
    assert telegram.sent(STAFF_CHAT) == []


async def test_yes_posts_exactly_one_summary_without_ids_and_staff_replies_reach_the_user(
        telegram: FakeTelegram) -> None:
    chat, user = 700700704, USER_ID + 3  # distinctive chat id: it must not appear in the post
    telegram.send_text(chat, user, "what is the child marriage law")
    await telegram.wait_for(chat, 1)
    await offer(telegram, chat, user, "কারো সাথে কথা বলতে চাই")
    telegram.tap(chat, user, token_for(chat, "/affirm"))
    post = (await telegram.wait_for(STAFF_CHAT, 1))[0]["text"]
    confirmation = (await telegram.wait_for(chat, 3))[-1]["text"]
    ref = REF.search(post).group()
    assert ref in confirmation and "1098" in confirmation
    assert "child marriage law" in post and "বাল্যবিবাহ আইন" in post  # topic labels, both languages
    for private in (str(user), str(chat), "Test", sender_id("telegram", user), "কারো সাথে", "what is the"):
        assert private not in post
    assert len(telegram.sent(STAFF_CHAT)) == 1

    # a counsellor answers by replying to the post ...
    posted = next(m for m in telegram.bot_messages.values() if m["chat"]["id"] == STAFF_CHAT and ref in m["text"])
    telegram.reply_text(STAFF_CHAT, COUNSELLOR, "Hello, I am Rina from the NGO. How can I help?", to=posted,
                        chat_type="supergroup")
    relayed = (await telegram.wait_for(chat, 4))[-1]["text"]
    assert relayed.startswith("💬") and "Hello, I am Rina from the NGO" in relayed
    assert "answer sent" in (await telegram.wait_for(STAFF_CHAT, 2))[-1]["text"]

    # ... or with /reply REF text
    telegram.send_text(STAFF_CHAT, COUNSELLOR, f"/reply {ref.lower()} Are you safe right now?", chat_type="supergroup")
    assert "Are you safe right now?" in (await telegram.wait_for(chat, 5))[-1]["text"]
    assert "answer sent" in (await telegram.wait_for(STAFF_CHAT, 3))[-1]["text"]

    # staff talking among themselves is never relayed; an unknown reference is said so
    telegram.send_text(STAFF_CHAT, COUNSELLOR, "/reply H-ZZZZ hello", chat_type="supergroup")
    assert "unknown or expired" in (await telegram.wait_for(STAFF_CHAT, 4))[-1]["text"]
    telegram.send_text(STAFF_CHAT, COUNSELLOR, "I'll take this one", chat_type="supergroup")
    telegram.send_text(STAFF_CHAT, COUNSELLOR, "/reply", chat_type="supergroup")
    assert "usage" in (await telegram.wait_for(STAFF_CHAT, 5))[-1]["text"]
    assert len(telegram.sent(chat)) == 5


async def test_reply_is_an_unknown_command_for_users(telegram: FakeTelegram) -> None:
    telegram.send_text(5, USER_ID + 4, "/reply H-AAAA hi")
    assert (await telegram.wait_for(5, 1))[0]["text"] == messages()["unknown_command"]


async def test_distress_twice_brings_the_offer_after_the_second_answer(telegram: FakeTelegram) -> None:
    chat, user = 6, USER_ID + 5
    telegram.send_text(chat, user, "I feel very sad and alone")
    first = await telegram.wait_for(chat, 1)
    assert not any("/affirm" in payloads(m) for m in first)
    telegram.send_text(chat, user, "I can't stop crying every night")
    sent = await telegram.wait_for(chat, 3)
    assert "/affirm" not in payloads(sent[1])  # the answer itself comes first
    assert "/affirm" in payloads(sent[-1]) and "feeling sad" in sent[-1]["text"]
    assert telegram.sent(STAFF_CHAT) == []


async def test_emergency_twice_keeps_the_emergency_reply_first(telegram: FakeTelegram) -> None:
    chat, user = 7, USER_ID + 6
    telegram.send_text(chat, user, "amake atke rekhese, bachao")
    first = await telegram.wait_for(chat, 1)
    telegram.send_text(chat, user, "amake jor kore biye dicche aj rate")
    sent = await telegram.wait_for(chat, 4)
    assert all(n in sent[1]["text"] for n in ("999", "109", "1098")) and sent[1]["text"] == first[0]["text"]
    # then what the message also asked (how to stop a forced marriage), then the offer of a counsellor
    assert sent[2]["text"].startswith(answer_book().t("also_helps", "bn"))
    assert "/affirm" in payloads(sent[3])
    assert len(sent) == 4 and telegram.sent(STAFF_CHAT) == []


async def test_without_a_staff_chat_the_user_gets_the_helplines(rasa_stack: RasaStack, monkeypatch) -> None:
    monkeypatch.delenv("STAFF_CHAT_ID", raising=False)
    fake = await FakeTelegram().start()
    app = await start_handoff_bot(fake, rasa_stack)
    try:
        fake.send_text(8, USER_ID + 7, "I want to talk to a counsellor, please connect me")
        sent = await fake.wait_for(8, 1)
        assert "1098" in sent[0]["text"] and "109" in sent[0]["text"]
        assert "/affirm" not in payloads(sent[0])
        fake.send_text(8, USER_ID + 7, "yes")
        await fake.wait_for(8, 2)
        assert [m for m, p in fake.calls if m == "sendMessage" and int(p["chat_id"]) != 8] == []
    finally:
        await stop_bot(app)
        await fake.stop()


def test_the_web_chat_and_console_never_offer_a_handoff(rasa_stack: RasaStack) -> None:
    replies = rasa_stack.send("web-" + "0" * 20, "let me talk to a human")  # no metadata: no staff chat
    assert "1098" in replies[0]["text"] and not any(b["payload"] == "/affirm" for b in replies[0].get("buttons", []))


async def test_references_expire_and_are_forgotten() -> None:
    from telegram import Bot

    fake = await FakeTelegram().start()
    try:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            desk = HandoffDesk(STAFF_CHAT, ttl_s=0)
            reply = await desk.hand_off(bot, 1234, {"summary": "Topics: x", "lang": "en"})
        ref = REF.search(reply).group()
        post = next(m for m in fake.bot_messages.values() if m["chat"]["id"] == STAFF_CHAT)
        assert ref in post["text"] and desk.lookup(ref) is None and desk.ref_of_post(post["message_id"]) is None
    finally:
        await fake.stop()
    assert HandoffDesk(None).metadata({"lat": 1}) == {"lat": 1}
    assert HandoffDesk(STAFF_CHAT).metadata(None) == {"handoff_available": True}


async def test_one_open_ticket_per_user(telegram: FakeTelegram) -> None:
    """Issue 15, finding 6: repeating the handoff flow must not flood the staff chat."""
    chat, user = 700700709, USER_ID + 9
    await offer(telegram, chat, user)
    telegram.tap(chat, user, token_for(chat, "/affirm"))
    ref = REF.search((await telegram.wait_for(STAFF_CHAT, 1))[0]["text"]).group()
    await telegram.wait_for(chat, 2)
    await offer(telegram, chat, user, "I want to talk to a counsellor")
    telegram.tap(chat, user, token_for(chat, "/affirm"))
    again = (await telegram.wait_for(chat, 4))[-1]["text"]
    assert ref in again and "already" in again and "1098" in again
    assert len(telegram.sent(STAFF_CHAT)) == 1
