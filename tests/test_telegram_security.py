"""Issue 15, findings 5 and 6, through the real python-telegram-bot client, the fake Bot API and the real
Rasa stack (behind a pass-through that records what reaches Rasa):

- forged callbacks: a tap sends Rasa only a payload the bot itself offered in that chat; a forged
  payload, another chat's button or a button from before a restart gets "please ask again";
- /exit works in private chats only;
- floods: a per-user token bucket answers "slow down" (with 999/109/1098) once, drops the rest, and
  still lets a crisis message through to the emergency answer.
"""
from __future__ import annotations

import asyncio
import json

import pytest

from bot import buttons
from bot.messages import messages
from bot.ratelimit import RateLimiter
from tests.fake_telegram import FakeTelegram, start_bot, stop_bot
from tests.stack import RasaStack, free_port

USER_ID = 765432109876
LANGUAGE_EN = '/set_language{"language": "en"}'


class RecordingRasa:
    """A pass-through to the real Rasa that keeps every message it forwards."""

    def __init__(self, target: str) -> None:
        self.target, self.port, self.messages, self.runner = target, free_port(), [], None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def forward(self, request):
        from aiohttp import ClientSession, web

        body = await request.read()
        self.messages.append(json.loads(body)["message"])
        async with ClientSession() as client:
            async with client.post(self.target + request.path, data=body,
                                   headers={"Content-Type": "application/json"}) as resp:
                return web.Response(body=await resp.read(), status=resp.status, content_type="application/json")

    async def up(self) -> "RecordingRasa":
        from aiohttp import web

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def down(self) -> None:
        await self.runner.cleanup()


@pytest.fixture
async def recorded(rasa_stack: RasaStack):
    rasa = await RecordingRasa(rasa_stack.url).up()
    fake = await FakeTelegram().start()
    app = await start_bot(fake, rasa.url, tracker_db_url=f"sqlite:///{rasa_stack.tracker_db}")
    yield fake, rasa, app
    await stop_bot(app)
    await fake.stop()
    await rasa.down()


def keyboard(message: dict) -> list[str]:
    return [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def language_buttons(fake: FakeTelegram, chat: int, user: int) -> list[str]:
    fake.send_text(chat, user, "/language")
    sent = await fake.wait_for(chat, 1)
    data = keyboard(sent[-1])
    assert data and all(len(d.encode()) <= 64 for d in data)
    return data


# -- forged callbacks (finding 5) -------------------------------------------------------------------------

@pytest.mark.parametrize("forged", ["/emergency", '/inform_location{"location": "place:district:Dhaka"}',
                                    '/child_marriage_law{"item":"cm_kazi_age_proof"}', "b.0123456789abcdef", ""])
async def test_a_forged_button_never_reaches_rasa(recorded, forged: str) -> None:
    fake, rasa, _ = recorded
    chat = 41 + len(forged)
    fake.tap(chat, USER_ID, forged)
    sent = await fake.wait_for(chat, 1)
    assert sent[0]["text"] == messages()["button_expired"]
    await asyncio.sleep(0.3)
    assert rasa.messages == []


async def test_buttons_the_bot_sent_work_in_their_own_chat_only(recorded) -> None:
    fake, rasa, _ = recorded
    data = await language_buttons(fake, 51, USER_ID)
    token = buttons.token_for(51, LANGUAGE_EN)
    assert token in data and LANGUAGE_EN not in data  # the payload stays on the server
    fake.tap(51, USER_ID, token)
    await fake.wait_for(51, 2)
    assert rasa.messages[-1] == LANGUAGE_EN
    fake.tap(52, USER_ID + 1, token)  # the same token tapped in another chat
    assert (await fake.wait_for(52, 1))[0]["text"] == messages()["button_expired"]
    assert rasa.messages.count(LANGUAGE_EN) == 1


async def test_after_a_restart_old_buttons_ask_politely_to_ask_again(rasa_stack: RasaStack, monkeypatch) -> None:
    rasa = await RecordingRasa(rasa_stack.url).up()
    fake = await FakeTelegram().start()
    app = await start_bot(fake, rasa.url)
    try:
        data = await language_buttons(fake, 53, USER_ID)
        await stop_bot(app)
        monkeypatch.setattr(buttons, "_KEY", b"a new process has a new key......")
        app = await start_bot(fake, rasa.url)
        fake.tap(53, USER_ID, data[0])
        sent = await fake.wait_for(53, 2)
        assert sent[-1]["text"] == messages()["button_expired"]
        assert LANGUAGE_EN not in rasa.messages
    finally:
        await stop_bot(app)
        await fake.stop()
        await rasa.down()


def test_long_bangla_payloads_fit_and_tokens_expire() -> None:
    chat_data: dict = {}
    payload = '/inform_location{"location": "ময়মনসিংহ/ময়মনসিংহ সদর", "place_level": "upazila"}'
    assert len(payload.encode()) > 64
    token = buttons.issue(chat_data, 7, payload, now=1000.0)
    assert len(token.encode()) <= 64 and buttons.redeem(chat_data, token, now=1001.0) == payload
    assert buttons.redeem(chat_data, token, now=1000.0 + buttons.BUTTON_TTL_S + 1) is None
    assert buttons.redeem({}, token) is None and buttons.redeem(chat_data, payload) is None
    for i in range(buttons.MAX_BUTTONS_PER_CHAT + 10):  # bounded per chat
        buttons.issue(chat_data, 7, f"/p{i}")
    assert len(chat_data[buttons.TABLE]) == buttons.MAX_BUTTONS_PER_CHAT


async def test_exit_is_private_only(recorded) -> None:
    fake, _, _ = recorded
    fake.send_text(-54, USER_ID, "/help", chat_type="group")
    await fake.wait_for(-54, 1)
    fake.send_text(-54, USER_ID, "/exit", chat_type="group")
    fake.send_text(-54, USER_ID, "/hotlines", chat_type="group")  # a later command is answered: /exit was handled
    await fake.wait_for(-54, 2)
    assert fake.sent(-54, "deleteMessages") == []
    assert all(m["text"] != messages()["exit_line"] for m in fake.sent(-54))


# -- floods (finding 6) -----------------------------------------------------------------------------------

def test_token_bucket() -> None:
    limiter = RateLimiter(burst=3, rate_per_s=1.0)
    verdicts = [limiter.check("u", now=100.0) for _ in range(6)]
    assert verdicts == ["ok", "ok", "ok", "notify", "drop", "drop"]
    assert limiter.check("other", now=100.0) == "ok"  # per user
    assert limiter.check("u", now=101.0) == "ok"  # one token back after a second
    assert limiter.check("u", now=101.0) == "notify"  # a new refusal streak is told again


async def test_a_flood_is_told_to_slow_down_once_and_a_crisis_still_gets_through(recorded) -> None:
    fake, rasa, app = recorded
    app.bot_data.rate_limiter = RateLimiter(burst=4, rate_per_s=0.0)  # no refill: deterministic
    for i in range(20):
        fake.send_text(55, USER_ID, f"what is trafficking {i}")
    notice = messages()["rate_limited"]
    await fake.wait_for(55, 5)  # four answers and one notice
    assert all(n in notice for n in ("999", "109", "1098"))
    fake.send_text(55, USER_ID, "amake atke rekhese, bachao")  # a crisis message, still over the limit
    sent = await fake.wait_for(55, 6)
    await asyncio.sleep(0.5)
    texts = [m["text"] for m in fake.sent(55)]
    assert texts.count(notice) == 1
    assert "amake atke rekhese, bachao" in rasa.messages and len(rasa.messages) == 5
    crisis_reply = texts[-1]  # one chat is answered in order, and the crisis message came last
    assert all(n in crisis_reply for n in ("999", "109", "1098"))
    assert len(sent) >= 6
