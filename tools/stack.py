"""Run the whole assistant as one supervised group: action server, Rasa server and a front end.

- The Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the local chat.
- Ctrl-C stops everything. If any process dies, the others are stopped and its log tail is shown.
- Server logs go to var/logs/ so the terminal stays readable.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bot.conversations import ConversationStore
from bot.settings import rasa_auth_token, sender_id_secret
from tools.model import ROOT, model_path

LOGS = ROOT / "var" / "logs"
RASA_PORT = int(os.environ.get("RASA_PORT", "5005"))
ACTIONS_PORT = 5055  # endpoints.yml points Rasa here
WEBCHAT_PORT = int(os.environ.get("WEBCHAT_PORT", "8080"))
READY_TIMEOUT_S = 240


@dataclass
class Service:
    name: str
    cmd: list[str]
    log: Optional[Path] = None  # None: the process keeps the terminal (the local chat)
    env: dict = field(default_factory=dict)
    proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        if self.log is None:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env)
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        # Own session: Ctrl-C reaches only the supervisor, which then stops servers in order.
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def tail(self, lines: int = 25) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "".join(self.log.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def wait_until_ready(services: list[Service], url: str) -> bool:
    """Poll Rasa's /status until the model is loaded; fail fast if a server dies meanwhile."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        for service in services:
            if service.proc.poll() is not None:
                return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        print(".", end="", flush=True)
        time.sleep(2)
    return False


def main() -> int:
    model = model_path()
    if not model.exists():
        print("No trained model for the current sources: run `make run` (it trains first).", file=sys.stderr)
        return 1
    py = sys.executable
    token = rasa_auth_token()
    sender_id_secret()  # create it now, before two processes race to
    ConversationStore().purge()  # retention applies to local runs too
    actions = Service("action server", [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ACTIONS_PORT)],
                      LOGS / "actions.log", {"SANIC_HOST": "127.0.0.1"})
    servers = [actions]
    rasa = Service("Rasa server", [py, "-m", "rasa", "run", "--model", str(model), "--endpoints", "endpoints.yml",
                                   "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                                   "--port", str(RASA_PORT), "--enable-api", "--auth-token", token],
                   LOGS / "rasa.log")
    servers.append(rasa)
    telegram = bool(os.environ.get("TELEGRAM_BOT_TOKEN"))
    local_chat = os.environ.get("LOCAL_CHAT", "both")  # both | web | console
    if not telegram and local_chat in ("both", "web"):  # the local web chat runs beside the terminal chat
        servers.append(Service("web chat", [py, "-m", "bot.webchat"], LOGS / "webchat.log",
                               {"RASA_URL": f"http://127.0.0.1:{RASA_PORT}", "WEBCHAT_PORT": str(WEBCHAT_PORT)}))
    front = Service("Telegram bot" if telegram else "local chat",
                    [py, "-m", "bot.telegram_app" if telegram else "bot.console"],
                    LOGS / "bot.log" if telegram else None,
                    {"RASA_URL": f"http://127.0.0.1:{RASA_PORT}"})
    running: list[Service] = []

    def stop_all(*_: object) -> None:
        for service in reversed(running):
            service.stop()

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(0)))
    try:
        for service in servers:
            service.start()
            running.append(service)
        print(f"Starting the action server and Rasa (logs in {LOGS.relative_to(ROOT)}/). "
              "Loading the model takes a few seconds ", end="", flush=True)
        if not wait_until_ready(servers, f"http://127.0.0.1:{RASA_PORT}/status?token={token}"):
            failed = next((s for s in servers if s.proc.poll() is not None), rasa)
            print(f"\n{failed.name} did not start. Last lines of its log:\n{failed.tail()}", file=sys.stderr)
            return 1
        print(" ready.")
        if telegram:
            print("Telegram bot running. Press Ctrl-C to stop.")
        else:
            if local_chat != "console":
                print(f"Web chat: http://127.0.0.1:{WEBCHAT_PORT}" + ("" if local_chat == "web" else "  (or chat here below)"))
        if telegram or local_chat in ("both", "console"):
            front.start()
            running.append(front)
        while True:
            for service in running:
                code = service.proc.poll()
                if code is None:
                    continue
                if service is front and code == 0:
                    return 0  # the user left the local chat
                print(f"\n{service.name} stopped unexpectedly (exit code {code}).", file=sys.stderr)
                if service.tail():
                    print(f"Last lines of {service.log.relative_to(ROOT)}:\n{service.tail()}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
