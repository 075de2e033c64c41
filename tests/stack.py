"""Start the real action server and Rasa server (with the trained model) for end-to-end tests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tools.model import ROOT, model_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}); log tail:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout_s} s; log tail:\n{log.read_text()[-3000:]}")


@dataclass
class RasaStack:
    """A running action server and one or more Rasa servers (replicas) on free ports.

    Embedded defaults: conversations in a temp SQLite file, locks in memory. For the scale-out
    configuration pass ``tracker_db_url`` (PostgreSQL) and ``lock_store_url`` (Redis) and
    ``replicas=2``; each replica is then a separate process sharing both stores.
    """

    workdir: Path
    replicas: int = 1
    tracker_db_url: str = ""
    lock_store_url: str = ""
    env: dict = field(default_factory=dict)  # more environment for the Rasa and action servers
    actions_url: str = ""  # where Rasa calls the actions (default: the action server started here)
    token: str = "test-token"
    actions_port: int = 0
    rasa_ports: tuple = ()
    actions_proc: Optional[subprocess.Popen] = None
    rasa_procs: list = field(default_factory=list)

    @property
    def rasa_port(self) -> int:
        return self.rasa_ports[0]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def procs(self) -> tuple:
        return tuple(p for p in (self.actions_proc, *self.rasa_procs) if p is not None)

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def _env(self) -> dict:
        return {**os.environ, "SANIC_HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{self.workdir / 'referral.db'}",
                "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "TRACKER_DB_URL": self.tracker_db_url or f"sqlite:///{self.tracker_db}",
                "LOCK_STORE_URL": self.lock_store_url, **self.env}

    def start(self, model: Optional[Path] = None, actions: bool = True) -> "RasaStack":
        self.model = model or Path(os.environ.get("RASA_MODEL") or model_path())
        assert self.model.exists(), "no trained model: run `make test` (it trains first)"
        self.actions_port = free_port()
        self.rasa_ports = tuple(free_port() for _ in range(self.replicas))
        self.endpoints = self.workdir / "endpoints.yml"
        self.endpoints.write_text((ROOT / "endpoints.yml").read_text().replace(
            "http://127.0.0.1:5055/webhook", self.actions_url or f"http://127.0.0.1:{self.actions_port}/webhook"))
        if actions:
            log = self.workdir / "actions.log"
            self.actions_proc = subprocess.Popen(
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
                cwd=ROOT, env=self._env(), stdout=open(log, "wb"), stderr=subprocess.STDOUT)
            wait_http(f"http://127.0.0.1:{self.actions_port}/health", self.actions_proc, log)
        self.rasa_procs = [self._start_rasa(i) for i in range(self.replicas)]
        for i, proc in enumerate(self.rasa_procs):
            wait_http(f"{self.urls[i]}/status?token={self.token}", proc, self.workdir / f"rasa{i or ''}.log")
        return self

    def _start_rasa(self, i: int) -> subprocess.Popen:
        log = self.workdir / f"rasa{i or ''}.log"
        return subprocess.Popen([sys.executable, "-m", "rasa", "run", "--model", str(self.model), "--endpoints",
                                 str(self.endpoints), "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                                 "--port", str(self.rasa_ports[i]), "--enable-api", "--auth-token", self.token],
                                cwd=ROOT, env=self._env(), stdout=open(log, "ab"), stderr=subprocess.STDOUT)

    def kill_replica(self, i: int) -> None:
        """SIGKILL one Rasa replica, as a crashed machine would stop."""
        self.rasa_procs[i].kill()
        self.rasa_procs[i].wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def send(self, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        """POST to the REST channel, exactly as the bot does."""
        return self.send_to(0, sender, message, metadata)

    def send_to(self, replica: int, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        """POST to one Rasa replica's REST channel."""
        body = json.dumps({"sender": sender, "message": message, "metadata": metadata or {}}).encode()
        req = urllib.request.Request(f"{self.urls[replica]}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def parse(self, text: str) -> dict:
        body = json.dumps({"text": text}).encode()
        req = urllib.request.Request(f"{self.url}/model/parse?token={self.token}", body,
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def tracker(self, sender: str) -> dict:
        with urllib.request.urlopen(f"{self.url}/conversations/{sender}/tracker?token={self.token}", timeout=30) as r:
            return json.loads(r.read())
