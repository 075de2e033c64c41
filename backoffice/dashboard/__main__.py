"""``python -m backoffice.dashboard``: the staff dashboard (and the partner export) on its own port, for
deployments where the front end is Telegram (no web chat to mount them in); `make run` starts it when
STAFF_TOKEN is set. DASHBOARD_PORT (default 8090) and DASHBOARD_BIND
(default 127.0.0.1; put a TLS proxy in front before binding wider, and list its host in DASHBOARD_HOSTS)."""
from __future__ import annotations

import logging
import os

from aiohttp import web

from backoffice import sharing
from backoffice.dashboard import MAX_UPLOAD_BYTES, PREFIX, mount


async def to_dashboard(request: web.Request) -> web.Response:
    raise web.HTTPFound(PREFIX + "/")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_server_app() -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 64 * 1024)
    app.router.add_get("/", to_dashboard)
    app.router.add_get("/healthz", healthz)
    mount(app)
    sharing.add_routes(app)  # partner NGOs' weekly aggregates at /partners/v1/ (off without PARTNER_TOKENS)
    return app


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    web.run_app(create_server_app(), host=os.environ.get("DASHBOARD_BIND", "127.0.0.1"),
                port=int(os.environ.get("DASHBOARD_PORT", "8090")), print=None)


if __name__ == "__main__":
    main()
