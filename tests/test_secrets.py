"""SENDER_ID_SECRET (security review, finding 3): in webhook or container mode the bot and `make run`
refuse to start without a stable key of at least 32 bytes, because a key generated into an ephemeral
var/ changes at every restart (then /forget and /exit delete nothing and STAFF_IDS stop matching).
Local runs keep the generated key, and say so at start-up. The real bot runs as a subprocess against
the fake Bot API server."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.stack import free_port
from tools.model import ROOT

KEY_FILE = Path("secrets") / "sender_id_secret"


def environment(tmp: Path, fake: FakeTelegram, **env: str) -> dict:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SENDER_ID_SECRET", "SUROKKHA_CONTAINER", "KUBERNETES_"))}
    return {**keep, "VAR_DIR": str(tmp / "var"), "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
            "TELEGRAM_BASE_URL": fake.base_url, "RASA_URL": f"http://127.0.0.1:{free_port()}",
            "TRACKER_DB_URL": f"sqlite:///{tmp / 'tracker.db'}", "OPS_PORT": "0", **env}


async def refused(module: str, env: dict) -> str:
    """Run ``python -m module``; it must exit with an error (within 60 s, not start serving). Its output."""
    proc = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out, _ = await asyncio.to_thread(proc.communicate, timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{module} started instead of refusing") from None
    assert proc.returncode != 0
    return out.decode(errors="replace")


@pytest.fixture
async def fake():
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


async def test_webhook_mode_refuses_to_start_without_sender_id_secret(fake: FakeTelegram, tmp_path) -> None:
    env = environment(tmp_path, fake, TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram",
                      TELEGRAM_WEBHOOK_PORT=str(free_port()), TELEGRAM_WEBHOOK_SECRET="s3cret-token")
    out = await refused("bot.telegram_app", env)
    assert "SENDER_ID_SECRET is not set" in out and "webhook mode" in out
    assert not [m for m, _ in fake.calls if m == "setWebhook"]  # refused before talking to Telegram
    assert not (tmp_path / "var" / KEY_FILE).exists()  # no throw-away key was made
    out = await refused("tools.stack", env)  # `make run` serving a webhook refuses too, before starting anything
    assert "SENDER_ID_SECRET is not set" in out and not (tmp_path / "var" / "logs").exists()


async def test_container_mode_refuses_a_short_sender_id_secret(fake: FakeTelegram, tmp_path) -> None:
    env = environment(tmp_path, fake, SUROKKHA_CONTAINER="1", SENDER_ID_SECRET="only-16-bytes-xx")
    out = await refused("bot.telegram_app", env)
    assert "SENDER_ID_SECRET is shorter than 32 bytes" in out and "container mode" in out
    assert not fake.calls


async def test_container_mode_runs_with_a_long_key_local_runs_say_they_use_the_generated_one(
        fake: FakeTelegram, tmp_path) -> None:
    async def start_and_stop(env: dict) -> str:
        log = tmp_path / "bot.out"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bot.telegram_app"], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not any(m == "deleteWebhook" for m, _ in fake.calls) and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                await asyncio.sleep(0.2)
            assert any(m == "deleteWebhook" for m, _ in fake.calls), "the bot did not start polling"
        finally:
            proc.terminate()
            proc.wait(30)
        fake.calls.clear()
        return log.read_text()

    out = await start_and_stop(environment(tmp_path, fake, SUROKKHA_CONTAINER="1", SENDER_ID_SECRET="k" * 64))
    assert "SENDER_ID_SECRET is not set" not in out and not (tmp_path / "var" / KEY_FILE).exists()

    out = await start_and_stop(environment(tmp_path, fake))  # a local run: the generated key, said at start
    assert f"SENDER_ID_SECRET is not set: using the key generated in {tmp_path / 'var' / KEY_FILE}" in out
    key = (tmp_path / "var" / KEY_FILE).read_text()
    await start_and_stop(environment(tmp_path, fake))
    assert (tmp_path / "var" / KEY_FILE).read_text() == key  # kept across restarts


def test_container_mode_rasa_and_the_bridge_refuse_to_run_without_the_webhook_secret(monkeypatch) -> None:
    """Finding 4: in a container Rasa's REST webhook must be guarded: without RASA_WEBHOOK_SECRET the
    channel (so Rasa) does not start, and the bridge does not send unauthenticated posts."""
    from bot.rasa_bridge import RasaBridge
    from bot.settings import SecretMissing
    from rasa_plugins.rest_channel import SecretRestInput

    monkeypatch.delenv("RASA_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("SUROKKHA_CONTAINER", "1")
    with pytest.raises(SecretMissing, match="RASA_WEBHOOK_SECRET is not set"):
        SecretRestInput.from_credentials(None)
    with pytest.raises(SecretMissing, match="RASA_WEBHOOK_SECRET is not set"):
        RasaBridge("http://127.0.0.1:1")._client()
    monkeypatch.setenv("RASA_WEBHOOK_SECRET", "w" * 64)
    assert SecretRestInput.from_credentials(None).secret == "w" * 64
