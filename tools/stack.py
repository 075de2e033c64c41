"""Run the whole assistant as one supervised group: action server, Rasa server and a front end.

- The Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the local chat.
- A process that dies is restarted with backoff (1 s, 2 s, 4 s ... up to 30 s, like supervisord's
  autorestart) while the others keep running: while Rasa is down the front end answers every message
  with the apology and the emergency numbers. A process that crashes SUPERVISOR_MAX_RESTARTS times in
  a row (without staying up a minute in between) is given up: said here, and shown on /readyz and the
  metrics (the status file in SUPERVISOR_STATUS_FILE, format in bot/ops.py); the front end keeps running.
- Ctrl-C or SIGTERM stops everything. Leaving the terminal chat (/quit) stops everything too.
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

from backoffice.conversations import ConversationStore
from bot.ops import GAVE_UP, RESTARTING, RUNNING, SUPERVISOR_STATUS_ENV, write_supervisor_status
from contract.paths import VAR_DIR
from contract.secrets import SecretMissing, check_sender_id_secret, local_secret
from tools.model import ROOT, model_path

LOGS = VAR_DIR / "logs"
RASA_PORT = int(os.environ.get("RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("ACTIONS_PORT", "5055"))  # endpoints.yml points Rasa at 5055
WEBCHAT_PORT = int(os.environ.get("WEBCHAT_PORT", "8080"))
DASHBOARD_PORT = int(os.environ.get("DASHBOARD_PORT", "8090"))
READY_TIMEOUT_S = 240
MAX_RESTARTS = int(os.environ.get("SUPERVISOR_MAX_RESTARTS", "5"))  # in a row, then give up
BACKOFF_S = float(os.environ.get("SUPERVISOR_BACKOFF_S", "1"))  # first delay; doubles per crash in a row
BACKOFF_MAX_S = 30.0
STABLE_S = 60.0  # up this long: the next crash starts the count (and the backoff) afresh
POLL_S = 0.5


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it (shorter in messages)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


@dataclass
class Service:
    key: str  # short name for the status file and the metrics' "service" label
    name: str
    cmd: list[str]
    log: Optional[Path] = None  # None: the process keeps the terminal (the local chat)
    env: dict = field(default_factory=dict)
    proc: Optional[subprocess.Popen] = None
    state: str = RUNNING
    restarts: int = 0  # since the supervisor started
    in_a_row: int = 0  # crashes without staying up STABLE_S in between
    started_at: float = 0.0
    restart_at: float = 0.0
    exit_code: Optional[int] = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        self.started_at, self.state = time.monotonic(), RUNNING
        if self.log is None:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env)
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
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

    def status(self) -> dict:
        alive = self.proc is not None and self.proc.poll() is None
        return {"name": self.name, "state": self.state, "restarts": self.restarts,
                "pid": self.proc.pid if alive else None, "exit_code": self.exit_code}


class Supervisor:
    """Keeps the started services running: restart with backoff, give up after MAX_RESTARTS in a row."""

    def __init__(self, status_file: Path, max_restarts: int = MAX_RESTARTS, backoff_s: float = BACKOFF_S) -> None:
        self.status_file = status_file
        self.max_restarts = max_restarts
        self.backoff_s = backoff_s
        self.running: list[Service] = []

    def start(self, service: Service) -> None:
        service.env = {**service.env, SUPERVISOR_STATUS_ENV: str(self.status_file)}
        service.start()
        self.running.append(service)
        self.write_status()

    def write_status(self) -> None:
        write_supervisor_status(self.status_file, {s.key: s.status() for s in self.running})

    def check(self, now: float) -> bool:
        """Restart what crashed when its backoff is over. False once the user left the terminal chat
        (it exits 0 then): the run is over."""
        for service in self.running:
            if service.state == RUNNING and service.proc.poll() is not None:
                if service.log is None and service.proc.returncode == 0:
                    return False
                self._crashed(service, now)
            elif service.state == RESTARTING and now >= service.restart_at:
                service.restarts += 1
                service.start()
                print(f"{service.name} restarted (restart {service.restarts}).", file=sys.stderr, flush=True)
                self.write_status()
        return True

    def _crashed(self, service: Service, now: float) -> None:
        service.exit_code = service.proc.returncode
        if now - service.started_at >= STABLE_S:
            service.in_a_row = 0
        service.in_a_row += 1
        print(f"\n{service.name} stopped unexpectedly (exit code {service.exit_code}).", file=sys.stderr)
        if service.in_a_row > self.max_restarts:
            service.state = GAVE_UP
            print(f"{service.name} crashed {service.in_a_row} times in a row: not restarting it again. The other "
                  "processes keep running (users get the apology with the emergency numbers). Last lines of "
                  f"{shown(service.log) if service.log else 'its output'}:\n{service.tail()}", file=sys.stderr, flush=True)
        else:
            delay = min(BACKOFF_MAX_S, self.backoff_s * 2 ** (service.in_a_row - 1))
            service.state, service.restart_at = RESTARTING, now + delay
            print(f"Restarting it in {delay:g} s (crash {service.in_a_row} in a row; given up after "
                  f"{self.max_restarts}).", file=sys.stderr, flush=True)
        self.write_status()

    def stop_all(self) -> None:
        for service in reversed(self.running):
            service.stop()
        self.status_file.unlink(missing_ok=True)


def wait_until_ready(services: list[Service], url: str) -> bool:
    """Poll Rasa until the model is loaded (it listens only then); fail fast if a server dies meanwhile."""
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


def endpoints_file() -> Path:
    """endpoints.yml, with the action server's port changed when ACTIONS_PORT is not the default."""
    if ACTIONS_PORT == 5055:
        return ROOT / "endpoints.yml"
    path = VAR_DIR / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((ROOT / "endpoints.yml").read_text().replace(
        "http://127.0.0.1:5055/webhook", f"http://127.0.0.1:{ACTIONS_PORT}/webhook"))
    return path


def main() -> int:
    try:
        notice = check_sender_id_secret()  # creates a local key now, before two processes race to
    except SecretMissing as exc:
        print(f"Not starting: {exc}", file=sys.stderr)
        return 1
    if notice:
        print(notice)
    model = Path(os.environ.get("RASA_MODEL") or model_path())
    if not model.exists():
        print("No trained model for the current sources: run `make run` (it trains first).", file=sys.stderr)
        return 1
    py = sys.executable
    # Rasa's webhook refuses posts without it; children get it in the environment, never in argv.
    os.environ["RASA_WEBHOOK_SECRET"] = local_secret("rasa_webhook_secret", "RASA_WEBHOOK_SECRET")
    ConversationStore().purge()  # retention applies to local runs too
    actions = Service("actions", "action server",
                      [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ACTIONS_PORT)],
                      LOGS / "actions.log", {"SANIC_HOST": "127.0.0.1"})
    rasa = Service("rasa", "Rasa server",
                   [py, "-m", "rasa", "run", "--model", str(model), "--endpoints", str(endpoints_file()),
                    "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                    "--port", str(RASA_PORT)],  # no HTTP API: the front ends need only the webhook
                   LOGS / "rasa.log")
    servers = [actions, rasa]
    telegram = bool(os.environ.get("TELEGRAM_BOT_TOKEN"))
    local_chat = os.environ.get("LOCAL_CHAT", "both")  # both | web | console
    rasa_env = {"RASA_URL": f"http://127.0.0.1:{RASA_PORT}"}
    if not telegram and local_chat in ("both", "web"):  # the local web chat runs beside the terminal chat
        servers.append(Service("webchat", "web chat", [py, "-m", "bot.webchat"], LOGS / "webchat.log",
                               {**rasa_env, "WEBCHAT_PORT": str(WEBCHAT_PORT)}))
    if telegram and os.environ.get("STAFF_TOKEN"):  # in the local run the web chat serves it at /staff/
        servers.append(Service("dashboard", "staff dashboard", [py, "-m", "backoffice.dashboard"],
                               LOGS / "dashboard.log", {"DASHBOARD_PORT": str(DASHBOARD_PORT)}))
    front = Service("bot" if telegram else "console", "Telegram bot" if telegram else "local chat",
                    [py, "-m", "bot.telegram_app" if telegram else "bot.console"],
                    LOGS / "bot.log" if telegram else None, rasa_env)
    supervisor = Supervisor(VAR_DIR / "supervisor.json")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops everything, as Ctrl-C does
    try:
        for service in servers:
            supervisor.start(service)
        print(f"Starting the action server and Rasa (logs in {shown(LOGS)}/). "
              "Loading the model takes a few seconds ", end="", flush=True)
        if not wait_until_ready(servers, f"http://127.0.0.1:{RASA_PORT}/"):
            failed = next((s for s in servers if s.proc.poll() is not None), rasa)
            print(f"\n{failed.name} did not start. Last lines of its log:\n{failed.tail()}", file=sys.stderr)
            return 1
        print(" ready.")
        if telegram:
            print("Telegram bot running. Press Ctrl-C to stop.")
        elif local_chat != "console":
            print(f"Web chat: http://127.0.0.1:{WEBCHAT_PORT}" + ("" if local_chat == "web" else "  (or chat here below)"))
        if os.environ.get("STAFF_TOKEN") and (telegram or local_chat != "console"):
            port = DASHBOARD_PORT if telegram else WEBCHAT_PORT
            print(f"Staff dashboard: http://127.0.0.1:{port}/staff/ (log in with STAFF_TOKEN)")
        if telegram or local_chat in ("both", "console"):
            supervisor.start(front)
        while supervisor.check(time.monotonic()):
            time.sleep(POLL_S)
        return 0  # the user left the terminal chat
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean stop short
        supervisor.stop_all()


if __name__ == "__main__":
    sys.exit(main())
