"""Operations: health, readiness and Prometheus metrics of the front ends, load shedding with the
"busy" reply, replica failover in the bridge, and structured logs without message text."""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import ClientSession, web

from bot.logs import JsonFormatter
from bot.rasa_bridge import RasaBridge
from bot.webchat import create_app
from tests.fake_telegram import FakeTelegram, start_bot, stop_bot
from tests.stack import RasaStack, free_port
from tests.test_telegram import SwitchableRasa

USER_ID = 555444333222


async def get(url: str) -> tuple[int, str]:
    async with ClientSession() as client:
        async with client.get(url) as resp:
            return resp.status, await resp.text()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def bot_with_ops(fake: FakeTelegram, rasa_url: str, **build_kwargs):
    app = await start_bot(fake, rasa_url, ops_port=free_port(), **build_kwargs)
    return app, f"http://127.0.0.1:{app.bot_data.ops_port}"


async def test_bot_health_readiness_and_metrics(rasa_stack: RasaStack) -> None:
    fake = await FakeTelegram().start()
    app, ops = await bot_with_ops(fake, rasa_stack.url, tracker_db_url=f"sqlite:///{rasa_stack.tracker_db}")
    try:
        assert (await get(f"{ops}/healthz"))[0] == 200
        status, body = await get(f"{ops}/readyz")
        assert status == 200 and json.loads(body)["checks"] == {"rasa": True, "telegram": True}
        before = (await get(f"{ops}/metrics"))[1]
        fake.send_text(31, USER_ID, "what is child marriage law?")
        await fake.wait_for(31, 1)
        after = (await get(f"{ops}/metrics"))[1]
        for name, labels in [("surokkha_messages_total", {"channel": "telegram", "kind": "text"}),
                             ("surokkha_replies_total", {"channel": "telegram", "outcome": "answered"}),
                             ("surokkha_reply_seconds_count", {"channel": "telegram"})]:
            assert metric(after, name, **labels) == metric(before, name, **labels) + 1, name
        assert metric(after, "surokkha_rasa_up", replica=rasa_stack.url) == 1
        assert "child marriage" not in after.lower() and str(USER_ID) not in after  # no text, no ids
    finally:
        await stop_bot(app)
        await fake.stop()


async def test_bot_is_not_ready_while_rasa_is_down() -> None:
    fake = await FakeTelegram().start()
    dead = f"http://127.0.0.1:{free_port()}"
    app, ops = await bot_with_ops(fake, dead)
    try:
        assert (await get(f"{ops}/healthz"))[0] == 200  # alive: don't restart it, Rasa is the problem
        status, body = await get(f"{ops}/readyz")
        assert status == 503 and json.loads(body)["checks"]["rasa"] is False
        assert metric((await get(f"{ops}/metrics"))[1], "surokkha_rasa_up", replica=dead) == 0
    finally:
        await stop_bot(app)
        await fake.stop()


async def test_webchat_serves_health_and_metrics(rasa_stack: RasaStack) -> None:
    runner = web.AppRunner(create_app(rasa_stack.url))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        base = f"http://127.0.0.1:{port}"
        assert (await get(f"{base}/healthz"))[0] == 200
        assert (await get(f"{base}/readyz"))[0] == 200
        async with ClientSession() as client:
            await client.post(f"{base}/api/message", json={"text": "hello"})
        assert metric((await get(f"{base}/metrics"))[1], "surokkha_messages_total", channel="web", kind="text") >= 1
    finally:
        await runner.cleanup()


async def test_overload_sheds_with_the_busy_reply_and_the_emergency_numbers(rasa_stack: RasaStack) -> None:
    """One slot to a slow Rasa: the message that can't get the slot in time is answered at once with
    the busy message (never sent to Rasa); the other gets Rasa's answer."""
    slow = SwitchableRasa(rasa_stack.url)
    slow.delay_s = 1.0
    await slow.up()
    bridge = RasaBridge(f"http://127.0.0.1:{slow.port}", timeout_s=4.5, max_concurrent=1, queue_wait_s=0.2)
    try:
        senders = ["busy-a", "busy-b"]
        replies = await asyncio.gather(*(bridge.reply(s, "/hotline_numbers", payload=True) for s in senders))
        texts = {s: r[0]["text"] for s, r in zip(senders, replies)}
        shed = [s for s in senders if "try again in a minute" in texts[s]]
        assert len(shed) == 1 and all(n in texts[shed[0]] for n in ("999", "109", "1098"))
        (answered,) = set(senders) - set(shed)
        assert "1098" in texts[answered]
        user_turns = lambda s: [e for e in rasa_stack.tracker(s)["events"] if e["event"] == "user"]  # noqa: E731
        assert user_turns(answered) and not user_turns(shed[0])  # the shed message never reached Rasa
    finally:
        await bridge.close()
        await slow.down()


async def test_a_crisis_message_is_never_shed(rasa_stack: RasaStack) -> None:
    """Same overload, but the second message is a cry for help: it waits for the slot and gets Rasa's
    full emergency answer, not the busy message."""
    slow = SwitchableRasa(rasa_stack.url)
    slow.delay_s = 1.0
    await slow.up()
    bridge = RasaBridge(f"http://127.0.0.1:{slow.port}", timeout_s=4.5, max_concurrent=1, queue_wait_s=0.2)
    try:
        async def crisis_second() -> list[dict]:
            await asyncio.sleep(0.05)  # the slot is taken by then
            return await bridge.reply("crisis-b", "please help, they locked me in a room and are taking me away")
        _, crisis = await asyncio.gather(bridge.reply("crisis-a", "/hotline_numbers", payload=True), crisis_second())
        text = " ".join(r.get("text", "") for r in crisis)
        assert "try again in a minute" not in text and all(n in text for n in ("999", "109", "1098"))
        assert [e for e in rasa_stack.tracker("crisis-b")["events"]
                if e["event"] == "user" and e["parse_data"]["intent"]["name"] == "emergency"]
    finally:
        await bridge.close()
        await slow.down()


async def test_a_replica_that_refuses_connections_is_skipped(rasa_stack: RasaStack) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    bridge = RasaBridge(f"{dead},{rasa_stack.url}")
    try:
        senders = [f"failover-{i}" for i in range(6)]
        assert any(bridge.replicas_for(s)[0] == dead for s in senders)  # some conversations live on the dead one
        for sender in senders:
            assert bridge.replicas_for(sender) == bridge.replicas_for(sender)  # sticky
            replies = await bridge.reply(sender, "/hotline_numbers", payload=True)
            assert "1098" in replies[0]["text"]
    finally:
        await bridge.close()


def test_json_logs_carry_outcomes_not_text() -> None:
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(JsonFormatter("bot").format(record))
    logger = logging.getLogger("bot.rasa_bridge")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        async def run() -> None:
            bridge = RasaBridge(f"http://127.0.0.1:{free_port()}")
            await bridge.reply("log-test", "amar biye dicche, ami 14, help")
            await bridge.close()
        asyncio.run(run())
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    turns = [json.loads(r) for r in records if '"outcome"' in r]
    assert turns and turns[-1]["outcome"] == "unavailable" and turns[-1]["service"] == "bot"
    assert isinstance(turns[-1]["latency_ms"], int)
    assert not any("biye" in r or "log-test" in r for r in records)


async def test_forget_while_the_database_is_down_is_retried_not_lost(rasa_stack: RasaStack) -> None:
    from bot.privacy import sender_id

    fake = await FakeTelegram().start()
    app = await start_bot(fake, rasa_stack.url,
                          tracker_db_url=f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/gone")
    try:
        fake.send_text(41, USER_ID, "/forget")
        reply = (await fake.wait_for(41, 1))[0]["text"]
        assert "keep trying" in reply
        assert sender_id("telegram", USER_ID) in app.bot_data.forget_pending  # retried every minute
    finally:
        await stop_bot(app)
        await fake.stop()


async def test_chat_memory_is_pruned_after_48_hours(rasa_stack: RasaStack) -> None:
    """The bot keeps message ids only while /exit can still delete them, so its memory does not grow
    with every chat it has ever seen."""
    import time as _time

    from bot.chat_memory import DELETABLE_S, prune_chat_data

    fake = await FakeTelegram().start()
    app, _ = await bot_with_ops(fake, rasa_stack.url)
    try:
        for chat in (51, 52):
            fake.send_text(chat, USER_ID + chat, "/hotlines")
            await fake.wait_for(chat, 1)
        assert {51, 52} <= set(app.chat_data)
        assert prune_chat_data(app) == 0  # fresh: kept
        assert prune_chat_data(app, now=_time.time() + DELETABLE_S + 1) >= 2  # two days later: gone
        assert not {51, 52} & set(app.chat_data)
    finally:
        await stop_bot(app)
        await fake.stop()
