"""The real python-telegram-bot client, polling a local fake Bot API server over HTTP, bridged to
the real Rasa stack. Covers commands, text, buttons, location, splitting, privacy and Rasa outages."""
from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from bot.privacy import sender_id
from bot.telegram_app import build_application, split_text
from tests.fake_telegram import FakeTelegram, start_bot, stop_bot
from tests.stack import RasaStack, free_port

TOKEN = "123456:TEST-TOKEN"
USER_ID = 987654321987  # distinctive, so a leak would be easy to find in files


def stored_events(rasa_stack: RasaStack, sender: str) -> int:
    """Rows in Rasa's tracker store for a conversation (read directly: the HTTP API would create a
    fresh session on reading)."""
    with sqlite3.connect(rasa_stack.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


@pytest.fixture
async def telegram(rasa_stack: RasaStack):
    fake = await FakeTelegram().start()
    app = await start_bot(fake, rasa_stack.url, tracker_db_url=f"sqlite:///{rasa_stack.tracker_db}")
    yield fake
    await stop_bot(app)
    await fake.stop()


async def test_commands_are_registered_in_both_languages(telegram: FakeTelegram) -> None:
    calls = [p for m, p in telegram.calls if m == "setMyCommands"]
    assert {c.get("language_code") for c in calls} == {None, "bn"}
    assert {"start", "help", "language", "hotlines"} <= {c["command"] for c in calls[0]["commands"]}


async def test_start_welcomes_with_the_emergency_number(telegram: FakeTelegram) -> None:
    telegram.send_text(1, USER_ID, "/start")
    sent = await telegram.wait_for(1, 1)
    assert "999" in sent[0]["text"]


async def test_crisis_text_gets_the_emergency_numbers_first(telegram: FakeTelegram) -> None:
    telegram.send_text(2, USER_ID + 1, "amake atke rekhese, bachao")
    sent = await telegram.wait_for(2, 1)
    assert all(n in sent[0]["text"] for n in ("999", "109", "1098"))


async def test_buttons_become_an_inline_keyboard_and_taps_reach_rasa(telegram: FakeTelegram) -> None:
    telegram.send_text(3, USER_ID + 2, "/help")
    sent = await telegram.wait_for(3, 1)
    keyboard = sent[0]["reply_markup"]["inline_keyboard"]
    data = keyboard[0][0]["callback_data"]
    assert len(data.encode()) <= 64
    telegram.tap(3, USER_ID + 2, data)
    sent = await telegram.wait_for(3, 2)
    assert "📞" in sent[1]["text"]
    assert [m for m, _ in telegram.calls].count("answerCallbackQuery") == 1


async def test_location_request_and_shared_location(telegram: FakeTelegram) -> None:
    telegram.send_text(4, USER_ID + 3, "where is the nearest one stop crisis centre")
    sent = await telegram.wait_for(4, 3)
    assert "One-Stop Crisis Centre" in sent[0]["text"]  # what an OCC does comes first
    location_button = sent[-1]["reply_markup"]["keyboard"][0][0]
    assert location_button["request_location"] is True
    telegram.send_location(4, USER_ID + 3, 22.82, 89.55)
    sent = await telegram.wait_for(4, 5)
    assert sent[3]["reply_markup"] == {"remove_keyboard": True}  # the location keyboard goes away
    assert "Khulna Medical College Hospital" in sent[4]["text"]


async def test_a_shared_position_answers_exactly_but_is_stored_to_about_1_km(telegram: FakeTelegram,
                                                                            rasa_stack: RasaStack) -> None:
    """Security review, finding 2: the exact point is used to answer, then kept rounded to 2 decimals in the
    `location` slot and in the stored event metadata (the database, its WAL and Rasa's cache alike)."""
    user = USER_ID + 31
    telegram.send_text(31, user, "legal aid office near me")
    await telegram.wait_for(31, 2)
    telegram.send_location(31, user, 22.823456, 89.551234)
    sent = await telegram.wait_for(31, 4)
    assert any("Khulna" in m.get("text", "") for m in sent[2:])
    tracker = rasa_stack.tracker(sender_id("telegram", user))  # from Rasa's cache
    assert tracker["slots"]["location"] == "point:22.82,89.55"
    shared = [e for e in tracker["events"] if e["event"] == "user" and (e.get("metadata") or {}).get("lat")]
    assert shared and all((e["metadata"]["lat"], e["metadata"]["lon"]) == (22.82, 89.55) for e in shared)
    stored = b"".join(f.read_bytes() for f in rasa_stack.workdir.glob("tracker.db*"))  # incl. the WAL file
    assert b"22.82" in stored
    # Not preceded by a digit: an event's timestamp such as 1765172722.8231 holds "22.823" by chance.
    for finer in (rb"22\.823", rb"89\.551"):
        assert not re.search(rb"(?<![0-9])" + finer, stored), finer


async def test_no_raw_telegram_id_reaches_rasa(telegram: FakeTelegram, rasa_stack: RasaStack) -> None:
    telegram.send_text(5, USER_ID + 4, "hello")
    await telegram.wait_for(5, 1)
    tracker = rasa_stack.tracker(sender_id("telegram", USER_ID + 4))
    assert len(tracker["events"]) > 2
    stored = b"".join(f.read_bytes() for f in rasa_stack.workdir.glob("tracker.db*"))  # incl. the WAL file
    assert str(USER_ID + 4).encode() not in stored


async def test_rasa_down_gives_an_apology_with_emergency_numbers() -> None:
    fake = await FakeTelegram().start()
    app = await start_bot(fake, f"http://127.0.0.1:{free_port()}")
    try:
        fake.send_text(6, USER_ID, "hello")
        sent = await fake.wait_for(6, 1, timeout=15)
        assert "999" in sent[0]["text"] and "1098" in sent[0]["text"]
    finally:
        await stop_bot(app)
        await fake.stop()


def test_long_text_is_split_at_telegram_limit() -> None:
    text = ("line of text\n" * 800).strip()
    parts = split_text(text)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text


async def test_privacy_explains_retention_and_deletion(telegram: FakeTelegram) -> None:
    telegram.send_text(7, USER_ID + 5, "/privacy")
    text = (await telegram.wait_for(7, 1))[0]["text"]
    assert "/forget" in text and "/exit" in text and "30" in text


async def test_forget_deletes_the_stored_conversation(telegram: FakeTelegram, rasa_stack: RasaStack) -> None:
    user = USER_ID + 6
    telegram.send_text(8, user, "what is child marriage law")
    await telegram.wait_for(8, 1)
    assert stored_events(rasa_stack, sender_id("telegram", user)) > 0
    telegram.send_text(8, user, "/forget")
    sent = await telegram.wait_for(8, 2)
    assert "deleted" in sent[-1]["text"]
    assert stored_events(rasa_stack, sender_id("telegram", user)) == 0


async def test_exit_deletes_the_chat_messages_and_the_conversation(telegram: FakeTelegram, rasa_stack: RasaStack) -> None:
    user = USER_ID + 7
    telegram.send_text(9, user, "hello")
    await telegram.wait_for(9, 1)
    telegram.send_text(9, user, "/exit")
    await telegram.wait_for(9, 1, method="deleteMessages")
    deleted = {i for call in telegram.sent(9, "deleteMessages") for i in call["message_ids"]}
    shown = {m["message_id"] for m in [u["message"] for u in telegram.updates if "message" in u
                                       and u["message"]["chat"]["id"] == 9]}
    assert shown <= deleted and len(deleted) >= 3  # the user's messages and the bot's replies
    sent = await telegram.wait_for(9, 2)
    assert sent[-1]["text"] == "👋"
    assert stored_events(rasa_stack, sender_id("telegram", user)) == 0


async def test_photos_and_voice_get_the_emergency_numbers_stickers_a_hint(telegram: FakeTelegram) -> None:
    telegram.send_media(10, USER_ID, voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
    telegram.send_media(10, USER_ID, sticker={"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                              "is_animated": False, "is_video": False, "type": "regular"})
    sent = await telegram.wait_for(10, 2)
    assert "999" in sent[0]["text"] and "999" not in sent[1]["text"] and "menu" in sent[1]["text"]


async def test_edited_message_is_treated_as_new(telegram: FakeTelegram) -> None:
    telegram.edit_text(11, USER_ID, "amake bachao")
    assert "1098" in (await telegram.wait_for(11, 1))[0]["text"]


async def test_groups_answer_only_mentions_and_commands(telegram: FakeTelegram) -> None:
    telegram.send_text(-12, USER_ID, "what is trafficking", chat_type="group")
    telegram.send_text(-12, USER_ID, "@surokkha_test_bot my problem", chat_type="group")
    sent = await telegram.wait_for(-12, 1)
    await asyncio.sleep(0.5)
    assert len(telegram.sent(-12)) == 1 and "privately" in sent[0]["text"]


async def test_one_chat_is_answered_in_order(telegram: FakeTelegram) -> None:
    questions = ["what is trafficking", "child marriage law", "/hotlines", "is this job offer safe", "bye"]
    for q in questions:
        telegram.send_text(13, USER_ID + 8, q)
    sent = await telegram.wait_for(13, len(questions))
    firsts = [m["text"] for m in sent]
    assert "trafficking" in firsts[0].lower() and "18" in firsts[1] and "999" in firsts[2]
    assert "Take care" in firsts[-1]


async def test_message_text_never_reaches_the_logs(telegram: FakeTelegram, rasa_stack: RasaStack, caplog) -> None:
    caplog.set_level("INFO")
    telegram.send_text(14, USER_ID, "my secret is zqxcanary please")
    await telegram.wait_for(14, 1)
    logs = caplog.text + "".join(p.read_text(errors="replace") for p in rasa_stack.workdir.glob("*.log"))
    assert "zqxcanary" not in logs and str(USER_ID) not in logs


class SwitchableRasa:
    """A pass-through to the real Rasa that can be taken down and brought back on the same port,
    or made slow: the faults a front end must survive without a restart."""

    def __init__(self, target: str) -> None:
        self.target, self.port, self.delay_s = target, free_port(), 0.0
        self.runner = None

    async def forward(self, request):
        from aiohttp import ClientSession, web

        await asyncio.sleep(self.delay_s)
        async with ClientSession() as client:
            async with client.post(self.target + request.path, data=await request.read(),
                                   headers={"Content-Type": "application/json"}) as resp:
                return web.Response(body=await resp.read(), status=resp.status, content_type="application/json")

    async def up(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def down(self) -> None:
        await self.runner.cleanup()


async def test_rasa_stopped_mid_conversation_then_back(rasa_stack: RasaStack) -> None:
    rasa = SwitchableRasa(rasa_stack.url)
    await rasa.up()
    fake = await FakeTelegram().start()
    app = await start_bot(fake, f"http://127.0.0.1:{rasa.port}")
    try:
        fake.send_text(15, USER_ID, "what is trafficking")
        assert "📞" in (await fake.wait_for(15, 1))[0]["text"]
        await rasa.down()
        fake.send_text(15, USER_ID, "child marriage law")
        assert "999" in (await fake.wait_for(15, 2, timeout=15))[1]["text"]  # apology with the numbers
        await rasa.up()
        fake.send_text(15, USER_ID, "/hotlines")
        assert "1098" in (await fake.wait_for(15, 3))[2]["text"]  # recovered without a restart
    finally:
        await stop_bot(app)
        await fake.stop()
        await rasa.down()


async def test_slow_rasa_gets_an_apology_within_seconds(rasa_stack: RasaStack) -> None:
    rasa = SwitchableRasa(rasa_stack.url)
    rasa.delay_s = 60
    await rasa.up()
    fake = await FakeTelegram().start()
    app = await start_bot(fake, f"http://127.0.0.1:{rasa.port}")
    try:
        started = asyncio.get_running_loop().time()
        fake.send_text(16, USER_ID, "hello")
        sent = await fake.wait_for(16, 1, timeout=20)
        assert "999" in sent[0]["text"] and "1098" in sent[0]["text"]
        assert asyncio.get_running_loop().time() - started < 8  # RASA_TIMEOUT_S is 4.5 s
    finally:
        await stop_bot(app)
        await fake.stop()
        await rasa.down()


async def test_webhook_mode_accepts_only_updates_with_the_secret(rasa_stack: RasaStack, monkeypatch) -> None:
    from aiohttp import ClientSession

    from bot.telegram_app import webhook_settings

    port = free_port()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_PORT", str(port))
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token")
    monkeypatch.setenv("SENDER_ID_SECRET", "k" * 64)  # webhook mode refuses to run on a generated key
    monkeypatch.setenv("RASA_WEBHOOK_SECRET", "w" * 64)  # and posts to Rasa's webhook only with the shared secret
    settings = webhook_settings()
    fake = await FakeTelegram().start()
    app = build_application(TOKEN, base_url=fake.base_url, rasa_url=rasa_stack.url)
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(**settings)
    try:
        set_webhook = [p for m, p in fake.calls if m == "setWebhook"][0]
        assert set_webhook["url"] == "https://bot.example.org/telegram" and set_webhook["secret_token"] == "s3cret-token"
        update = {"update_id": 1, "message": fake.message(17, USER_ID, "/hotlines")}
        async with ClientSession() as client:
            url = f"http://127.0.0.1:{port}/telegram"
            async with client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as resp:
                assert resp.status == 403
            async with client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}) as resp:
                assert resp.status == 200
        assert "1098" in (await fake.wait_for(17, 1))[0]["text"]
        assert len(fake.sent(17)) == 1  # the forged update was not processed
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


async def test_services_with_exact_locations_follow_as_venue_pins(telegram: FakeTelegram, rasa_stack: RasaStack,
                                                                  tmp_path) -> None:
    from referral_directory import Directory

    csv_file = tmp_path / "extra.csv"
    csv_file.write_text(
        "id,name_en,name_bn,category,division,district,upazila,address,phone,hours,lat,lon,serves,source,verified,"
        "listed_on,confirmed_on,notes\n"
        "test-shelter-2,Test Shelter Rajshahi,টেস্ট আশ্রয় রাজশাহী,shelter,Rajshahi,Rajshahi,,2 Test Road,,,24.37,88.60,"
        "children,test fixture,yes,2026-11-01,,\n", encoding="utf-8")
    Directory.open(f"sqlite:///{rasa_stack.workdir / 'referral.db'}").import_csv(csv_file)
    telegram.send_text(18, USER_ID + 9, "shelter in rajshahi")
    venue = (await telegram.wait_for(18, 1, method="sendVenue"))[0]
    assert (venue["latitude"], venue["longitude"], venue["title"]) == (24.37, 88.6, "Test Shelter Rajshahi")
    assert "Test Shelter Rajshahi" in telegram.sent(18)[0]["text"]  # the text comes first
