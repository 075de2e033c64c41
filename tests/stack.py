"""Start the real action server and Rasa server (with the trained model) for end-to-end tests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
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
    """A running action server + Rasa server pair on free ports, conversations in a temp SQLite file."""

    workdir: Path
    rasa_port: int = 0
    actions_port: int = 0
    token: str = "test-token"
    procs: tuple = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def start(self, model: Optional[Path] = None, actions: bool = True) -> "RasaStack":
        model = model or Path(os.environ.get("RASA_MODEL") or model_path())
        assert model.exists(), "no trained model: run `make test` (it trains first)"
        self.rasa_port, self.actions_port = free_port(), free_port()
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.tracker_db}"\n'
        )
        env = {**os.environ, "SANIC_HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{self.workdir / 'referral.db'}", "TF_CPP_MIN_LOG_LEVEL": "3",
               "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        procs = []
        if actions:
            log = self.workdir / "actions.log"
            procs.append(subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port",
                                           str(self.actions_port)], cwd=ROOT, env=env,
                                          stdout=open(log, "wb"), stderr=subprocess.STDOUT))
            wait_http(f"http://127.0.0.1:{self.actions_port}/health", procs[-1], log)
        log = self.workdir / "rasa.log"
        procs.append(subprocess.Popen([sys.executable, "-m", "rasa", "run", "--model", str(model), "--endpoints",
                                       str(endpoints), "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                                       "--port", str(self.rasa_port), "--enable-api", "--auth-token", self.token],
                                      cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT))
        self.procs = tuple(procs)
        wait_http(f"{self.url}/status?token={self.token}", procs[-1], log)
        return self

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
        body = json.dumps({"sender": sender, "message": message, "metadata": metadata or {}}).encode()
        req = urllib.request.Request(f"{self.url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
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
