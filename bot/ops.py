"""Operations endpoints for each front-end process: /healthz (alive), /readyz (can answer users:
Rasa reachable and the front end running) and /metrics (Prometheus text format).

The Telegram bot serves them on OPS_PORT (default 9100, on OPS_HOST, default 127.0.0.1); the web chat
adds them to its own server. Rasa answers GET / once its model is loaded and the action server
answers GET /health, so every process of the stack has a health check (see README "Deploying at scale").
"""
from __future__ import annotations

import os
from typing import Awaitable, Callable, Optional

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

OPS_HOST = os.environ.get("OPS_HOST", "127.0.0.1")
OPS_PORT = int(os.environ.get("OPS_PORT", "9100"))

ReadyCheck = Callable[[], Awaitable[dict]]


def add_ops_routes(app: web.Application, ready: ReadyCheck) -> None:
    """``ready`` returns named checks ({"rasa": True, ...}); /readyz is 200 only if all pass."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        checks = await ready()
        ok = all(checks.values())
        return web.json_response({"status": "ready" if ok else "not ready", "checks": checks}, status=200 if ok else 503)

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
