"""Throw-away local HTTP servers: one handler (e.g. an action server that answers as rasa_sdk would), or a whole app."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web


@asynccontextmanager
async def serve(handler: Callable[[web.Request], Awaitable[web.Response]], path: str = "/webhook") -> AsyncIterator[str]:
    """POST ``path`` goes to ``handler`` on a free port; yields the URL."""
    app = web.Application()
    app.router.add_post(path, handler)
    async with serve_app(app) as base:
        yield base + path


@asynccontextmanager
async def serve_app(app: web.Application) -> AsyncIterator[str]:
    """A whole aiohttp app on a free local port; yields its base URL (http://127.0.0.1:PORT)."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    finally:
        await runner.cleanup()
