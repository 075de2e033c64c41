"""The staff dashboard: trends, directory coverage, the entries to confirm, a directory search, and the
CSV export and import (with a preview before anything is written), in Bangla and English.

Served under /staff/ by the local web chat, or on its own (``python -m backoffice.dashboard``). Access:
the staff token (STAFF_TOKEN) opens an expiring server-side session (backoffice.access); the cookie is
HttpOnly, SameSite=Strict and limited to /staff; every form that changes something carries a
per-session token; logins are throttled per client; a request naming a host not in DASHBOARD_HOSTS is
refused, so a DNS-rebinding page cannot reach a dashboard bound to localhost. One module per page group:
login, trend_pages, directory_pages, import_export; common holds what they share.
"""
from __future__ import annotations

import logging
from typing import Optional

from aiohttp import web

from backoffice.dashboard import directory_pages, import_export, login, trend_pages
from backoffice.dashboard.common import (LANG_COOKIE, PREFIX, STATIC, Dashboard, Handler, here, host_name, html, lang_of,
                                         session_id, state)
from backoffice.dashboard.html import LANGS, t, url

logger = logging.getLogger(__name__)

# -- the guard around every page ---------------------------------------------------------------------------
# A wrapper rather than aiohttp middlewares or a sub-application: middlewares would also run on the web chat's
# own routes, and sub-applications need request.url, which aiohttp 3.9 cannot build with the yarl release
# Rasa's pins resolve to (a Host header with a port raises ValueError).

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
    "Cache-Control": "no-store"}


def guarded(handler: Handler, public: bool = False) -> Handler:
    """The host check, then (unless ``public``) a valid staff session and, for POSTs, the form token;
    security headers and the remembered language on every answer."""
    async def guard(request: web.Request) -> web.StreamResponse:
        if host_name(request.host) not in state(request).allowed_hosts:
            logger.warning("dashboard: request for a host not in DASHBOARD_HOSTS refused")
            return web.Response(status=421, text="This host is not served here (DASHBOARD_HOSTS).")
        try:
            response = await checked(request, handler, public)
        except web.HTTPException as exc:
            with_headers(request, exc)
            raise
        return with_headers(request, response)
    return guard


async def checked(request: web.Request, handler: Handler, public: bool) -> web.StreamResponse:
    sessions = state(request).sessions
    if not public and not sessions.valid(session_id(request)):
        if request.method == "GET":
            raise web.HTTPFound(url(PREFIX, "login", next=here(request)))
        raise web.HTTPUnauthorized(text="Log in first.")
    if not public and request.method == "POST":
        form = await request.post()  # aiohttp keeps it: the handler's own request.post() reads no more
        if not sessions.csrf_ok(session_id(request), str(form.get("csrf", ""))):
            return html(request, t("csrf_failed", lang_of(request)), "", status=403)
    return await handler(request)


def with_headers(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(SECURITY_HEADERS)
    if request.query.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, request.query["lang"], path=PREFIX, max_age=365 * 86400,
                            samesite="Strict", httponly=True)
    return response


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound(url(PREFIX, "trends"))


# -- wiring -----------------------------------------------------------------------------------------------------

ROUTES = (  # method, path under PREFIX, handler, public
    ("GET", "/login", login.login_page, True),
    ("POST", "/login", login.login_post, True),
    ("POST", "/logout", login.logout, False),
    ("GET", "/", home, False),
    ("GET", "/trends", trend_pages.trends_page, False),
    ("GET", "/trends.csv", trend_pages.trends_csv, False),
    ("GET", "/coverage", directory_pages.coverage_page, False),
    ("GET", "/coverage.csv", directory_pages.coverage_csv_download, False),
    ("GET", "/stale", directory_pages.stale_page, False),
    ("GET", "/find", directory_pages.find_page, False),
    ("GET", "/import", import_export.import_page, False),
    ("POST", "/import", import_export.import_preview, False),
    ("POST", "/import/apply", import_export.import_apply, False),
    ("GET", "/export.csv", import_export.export_csv, False),
)


def mount(app: web.Application, dashboard: Optional[Dashboard] = None) -> None:
    """Serve the dashboard under PREFIX in ``app`` (the web chat's, or its own server's). The app's
    client_max_size must allow MAX_UPLOAD_BYTES for the import."""
    app["dashboard"] = dashboard or Dashboard()
    app.on_cleanup.append(app["dashboard"].close)
    for method, path, handler, public in ROUTES:
        app.router.add_route(method, PREFIX + path, guarded(handler, public))
    app.router.add_get(PREFIX, home_redirect)
    app.router.add_static(PREFIX + "/static/", STATIC)


async def home_redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(PREFIX + "/")
