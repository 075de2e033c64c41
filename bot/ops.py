"""Operations endpoints for each front-end process: /healthz (alive), /readyz (can answer users:
Rasa reachable and the front end running) and /metrics (Prometheus text format).

Under `make run` the supervisor (tools/stack.py) restarts crashed processes and writes their state to a
JSON status file whose path it passes to every child in SUPERVISOR_STATUS_FILE; /readyz and /metrics
read it, so a process that keeps crashing (given up after SUPERVISOR_MAX_RESTARTS) shows there while
the front end keeps answering. This module is the one home of that file's format.

The Telegram bot serves them on OPS_PORT (default 9100, on OPS_HOST, default 127.0.0.1); the web chat
adds them to its own server. Rasa answers GET / once its model is loaded and the action server
answers GET /health, so every process of the stack has a health check (see README "Deploying at scale").
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Awaitable, Callable, Optional

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

OPS_HOST = os.environ.get("OPS_HOST", "127.0.0.1")
OPS_PORT = int(os.environ.get("OPS_PORT", "9100"))

ReadyCheck = Callable[[], Awaitable[dict]]
SUPERVISOR_STATUS_ENV = "SUPERVISOR_STATUS_FILE"
RUNNING, RESTARTING, GAVE_UP = "running", "restarting", "gave_up"  # a supervised process's states


def write_supervisor_status(path: Path, services: dict[str, dict]) -> None:
    """Atomically replace the status file: {"services": {key: {"state", "restarts", "pid", "exit_code"}}}."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "services": services}))
    os.replace(tmp, path)


def supervisor_status() -> dict[str, dict]:
    """The supervised processes' states ({} when not run by the supervisor, or the file is unreadable)."""
    path = os.environ.get(SUPERVISOR_STATUS_ENV)
    if not path:
        return {}
    try:
        return dict(json.loads(Path(path).read_text())["services"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def supervisor_checks() -> dict[str, bool]:
    """One readiness check per supervised process: ready only while it runs (not restarting, not given up)."""
    return {f"{key}_process": info.get("state") == RUNNING for key, info in supervisor_status().items()}


def add_ops_routes(app: web.Application, ready: ReadyCheck) -> None:
    """``ready`` returns named checks ({"rasa": True, ...}); /readyz is 200 only if all pass."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        checks = {**await ready(), **supervisor_checks()}
        ok = all(checks.values())
        body: dict = {"status": "ready" if ok else "not ready", "checks": checks}
        processes = supervisor_status()
        if processes:  # under `make run`: restarts and given-up processes, for whoever looks
            body["processes"] = {k: {"state": v.get("state"), "restarts": v.get("restarts", 0)}
                                 for k, v in processes.items()}
        return web.json_response(body, status=200 if ok else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def start_ops_server(ready: ReadyCheck, host: str = OPS_HOST, port: Optional[int] = None) -> web.AppRunner:
    """A small separate server (the Telegram bot has no HTTP server of its own in polling mode)."""
    app = web.Application()
    add_ops_routes(app, ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, OPS_PORT if port is None else port).start()
    return runner
