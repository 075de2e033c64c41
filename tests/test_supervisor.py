"""`make run`'s supervisor (tools/stack.py), run for real as a subprocess serving Telegram (the real
bot polling the fake Bot API server): a process that dies is restarted while the bot keeps answering,
one that keeps crashing is given up and reported on /readyz and the metrics, and SIGTERM or Ctrl-C
stop everything."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from aiohttp import ClientError, ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot.messages import messages
from tests.fake_telegram import FakeTelegram
from tests.stack import free_port
from tools.model import ROOT, model_path

USER_ID = 424242424242
QUESTION = "hello"  # answered by a rule and a response: no custom action that other work could break
START_TIMEOUT_S = 240  # the model loads in seconds, but this machine is shared


class MakeRun:
    """`python -m tools.stack` (what `make run` starts) with the Telegram bot, on free ports and a temp var/."""

    def __init__(self, tmp: Path, fake: FakeTelegram, **env: str) -> None:
        self.var = tmp / "var"
        self.ops = f"http://127.0.0.1:{free_port()}"
        self.output = tmp / "supervisor.out"
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("TELEGRAM_", "LOCAL_CHAT", "TRACKER_DB_URL", "SUPERVISOR_"))}
        self.env = {**keep, "VAR_DIR": str(self.var), "DATABASE_URL": f"sqlite:///{tmp / 'referral.db'}",
                    "RASA_MODEL": str(os.environ.get("RASA_MODEL") or model_path()),
                    "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
                    "OPS_PORT": self.ops.rsplit(":", 1)[1], "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
                    "TELEGRAM_BASE_URL": fake.base_url, "SUPERVISOR_BACKOFF_S": "1", **env}
        self.proc: subprocess.Popen | None = None

    def start(self) -> "MakeRun":
        with open(self.output, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "tools.stack"], cwd=ROOT, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def status(self) -> dict:
        """The supervisor's status file (what /readyz and /metrics read)."""
        try:
            return json.loads((self.var / "supervisor.json").read_text())["services"]
        except (OSError, ValueError):
            return {}

    async def get(self, path: str) -> tuple[int, str]:
        try:
            async with ClientSession() as client:
                async with client.get(self.ops + path) as resp:
                    return resp.status, await resp.text()
        except ClientError:
            return 0, ""

    async def until(self, what: str, condition: Callable, timeout: float = START_TIMEOUT_S) -> None:
        """Wait (functionally, not timed) until ``condition()`` (async or not) holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the supervisor exited ({self.proc.returncode}):\n{self.text()[-3000:]}"
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"not {what} after {timeout} s; supervisor output:\n{self.text()[-3000:]}")

    async def ready(self) -> bool:
        return (await self.get("/readyz"))[0] == 200

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # only after a failed test: never leave servers behind
            self.proc.wait()


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (-1 if absent, so absence never passes for 0)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return -1.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and ") Z " not in Path(f"/proc/{pid}/stat").read_text()


COMMANDS = {"rasa": [b"-m", b"rasa", b"run"], "actions": [b"-m", b"rasa_sdk"], "bot": [b"-m", b"bot.telegram_app"],
            "dashboard": [b"-m", b"backoffice.dashboard"]}


def child_pid(run: MakeRun, key: str) -> int:
    """The supervisor's child running ``key`` (found in /proc by parent and command line, as `ps` would)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == run.proc.pid and fields[0] != "Z" and cmdline[1:1 + len(COMMANDS[key])] == COMMANDS[key]:
            return int(stat.parent.name)
    raise AssertionError(f"no running {key} process under the supervisor")


def kill(run: MakeRun, key: str) -> int:
    """SIGKILL a supervised process, as a crash would stop it."""
    pid = child_pid(run, key)
    os.kill(pid, signal.SIGKILL)
    return pid


async def assert_everything_stops(run: MakeRun, sig: int) -> None:
    pids = [child_pid(run, key) for key in ("rasa", "bot")]
    run.proc.send_signal(sig)
    await asyncio.to_thread(run.proc.wait, 60)
    assert run.proc.returncode == 0, run.text()[-2000:]
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert not [pid for pid in pids if alive(pid)], "a child outlived the supervisor"
    assert not (run.var / "supervisor.json").exists()


async def assert_rasa_exposes_only_the_guarded_webhook(run: MakeRun) -> None:
    """Finding 4: no HTTP API and no secret on any command line (`ps` shows them to every local user);
    Rasa's REST webhook refuses a post without the shared secret (the bot, which has it, is answered)."""
    secrets = [p.read_text().strip() for p in (run.var / "secrets").iterdir()]
    for key in ("rasa", "actions", "bot"):
        cmdline = Path(f"/proc/{child_pid(run, key)}/cmdline").read_text()
        assert "--enable-api" not in cmdline and "--auth-token" not in cmdline, cmdline
        assert not [s for s in secrets if s in cmdline], f"a secret is on the {key} command line"
    forged = {"sender": "any-sender-hash", "message": "/emergency"}
    webhook = f"http://127.0.0.1:{run.env['RASA_PORT']}/webhooks/rest/webhook"
    async with ClientSession() as client:
        for headers in ({}, {"X-Surokkha-Webhook-Secret": "guess"}):
            async with client.post(webhook, json=forged, headers=headers) as resp:
                assert resp.status == 403, (headers, resp.status)
        async with client.get(f"http://127.0.0.1:{run.env['RASA_PORT']}/status") as resp:
            assert resp.status == 404  # no HTTP API at all


@pytest.fixture
async def fake():
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


async def test_rasa_killed_under_make_run_the_bot_answers_999_then_rasa_is_back(fake: FakeTelegram, tmp_path) -> None:
    dashboard_port = free_port()
    run = MakeRun(tmp_path, fake, STAFF_TOKEN="supervisor-test-staff-token", DASHBOARD_PORT=str(dashboard_port)).start()
    try:
        await run.until("ready", run.ready)
        await assert_rasa_exposes_only_the_guarded_webhook(run)
        async with ClientSession() as client:  # with STAFF_TOKEN, make run serves the staff dashboard too
            async with client.get(f"http://127.0.0.1:{dashboard_port}/staff/login") as resp:
                assert resp.status == 200 and 'name="token"' in await resp.text()
        assert "supervisor-test-staff-token" not in Path(f"/proc/{child_pid(run, 'dashboard')}/cmdline").read_text()
        assert f"Staff dashboard: http://127.0.0.1:{dashboard_port}/staff/" in run.text()
        fake.send_text(41, USER_ID, QUESTION)
        assert messages()["rasa_unavailable"] not in (await fake.wait_for(41, 1, timeout=30))[0]["text"]

        old = kill(run, "rasa")
        fake.send_text(41, USER_ID, "please help me, i am scared")
        reply = (await fake.wait_for(41, 2, timeout=10))[1]["text"]  # the deadline: 999 within 10 s
        assert "999" in reply and "109" in reply and "1098" in reply

        await run.until("ready again", run.ready)
        assert child_pid(run, "rasa") != old and run.status()["rasa"]["restarts"] == 1
        assert run.status()["bot"]["restarts"] == 0 and run.proc.poll() is None  # the bot kept running
        metrics = (await run.get("/metrics"))[1]
        assert metric(metrics, "surokkha_process_restarts_total", service="rasa") == 1
        assert metric(metrics, "surokkha_process_up", service="rasa") == 1
        fake.send_text(41, USER_ID, QUESTION)
        answer = (await fake.wait_for(41, 3, timeout=30))[2]["text"]
        assert messages()["rasa_unavailable"] not in answer  # a normal answer from Rasa again
        assert "stopped unexpectedly (exit code -9)" in run.text()

        await assert_everything_stops(run, signal.SIGTERM)
    finally:
        run.stop()


async def test_a_process_that_keeps_crashing_is_given_up_reported_and_the_bot_keeps_answering(
        fake: FakeTelegram, tmp_path) -> None:
    run = MakeRun(tmp_path, fake, SUPERVISOR_MAX_RESTARTS="1").start()
    try:
        await run.until("ready", run.ready)
        first = kill(run, "actions")
        await run.until("restarted", lambda: run.status()["actions"]["pid"] not in (None, first))
        assert child_pid(run, "actions") != first
        kill(run, "actions")
        await run.until("given up", lambda: run.status()["actions"]["state"] == "gave_up", timeout=30)

        status, body = await run.get("/readyz")
        ready = json.loads(body)
        assert status == 503 and ready["checks"]["actions_process"] is False and ready["checks"]["rasa"] is True
        assert ready["processes"]["actions"] == {"state": "gave_up", "restarts": 1}
        metrics = (await run.get("/metrics"))[1]
        assert metric(metrics, "surokkha_process_gave_up", service="actions") == 1
        assert metric(metrics, "surokkha_process_gave_up", service="rasa") == 0
        assert "action server crashed 2 times in a row: not restarting it again" in run.text()

        fake.send_text(42, USER_ID, "please help me, i am scared")  # the front end still answers
        assert "999" in (await fake.wait_for(42, 1, timeout=10))[0]["text"]
        await asyncio.sleep(3)  # well past the 1 s backoff: still not restarted
        assert run.status()["actions"]["state"] == "gave_up" and run.status()["actions"]["pid"] is None

        await assert_everything_stops(run, signal.SIGINT)  # Ctrl-C
    finally:
        run.stop()
