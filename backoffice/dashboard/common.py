"""What every dashboard page shares: the settings, the in-memory state (sessions, the login throttle, the
directory, uploads waiting for "Apply"), and the request helpers (language, session, page frame, CSV)."""
from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import urlencode

from aiohttp import web

from backoffice import trends
from backoffice.access import LoginThrottle, StaffSessions, session_key
from backoffice.staff import DirectoryOnDemand
from backoffice.dashboard.html import LANGS, page, t
from referral_directory import Directory
from referral_directory.gazetteer import load as load_gazetteer

logger = logging.getLogger(__name__)

PREFIX = "/staff"
STATIC = Path(__file__).with_name("static")
COOKIE = "staff_session"
LANG_COOKIE = "staff_lang"
DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TTL_S = 30 * 60
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def behind_tls_proxy() -> bool:
    """DASHBOARD_BEHIND_TLS=1: a TLS proxy (Caddy in docker-compose.yml) forwards to us. Cookies are then
    Secure, and the client for the login throttle is the last X-Forwarded-For entry (the one the proxy added)."""
    return os.environ.get("DASHBOARD_BEHIND_TLS", "") == "1"


def client_of(request: web.Request) -> str:
    if behind_tls_proxy():
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.remote or "unknown"


def allowed_hosts_from_env() -> frozenset[str]:
    """DASHBOARD_HOSTS: comma-separated host names (no ports) the dashboard answers to."""
    names = os.environ.get("DASHBOARD_HOSTS", "")
    return frozenset(h.strip().lower() for h in names.split(",") if h.strip()) or frozenset(DEFAULT_HOSTS)


def host_name(host_header: str) -> str:
    """'example.org:8080' -> 'example.org'; '[::1]:8080' -> '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@dataclass
class Upload:
    """A CSV waiting between its preview and "Apply": bound to the session that uploaded it."""

    session_key: str
    data: bytes
    created: float = field(default_factory=time.monotonic)


@dataclass
class Dashboard:
    """What the dashboard keeps in memory: sessions, the login throttle, the directory, pending uploads."""

    directory_url: Optional[str] = None
    tracker_db: Any = None                      # URL or Engine of Rasa's tracker store (the trends)
    token: Optional[str] = None                 # STAFF_TOKEN unless given (tests)
    allowed_hosts: frozenset = field(default_factory=allowed_hosts_from_env)
    sessions: StaffSessions = field(default_factory=StaffSessions)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    uploads: dict = field(default_factory=dict)
    _directory: DirectoryOnDemand = field(init=False)

    def __post_init__(self) -> None:
        self._directory = DirectoryOnDemand(self.directory_url)

    def staff_token(self) -> str:
        return self.token if self.token is not None else os.environ.get("STAFF_TOKEN", "")

    async def directory(self) -> Directory:
        return await self._directory.get()

    async def close(self, app: Optional[web.Application] = None) -> None:
        self._directory.close()

    def keep_upload(self, session_id: str, data: bytes) -> str:
        now = time.monotonic()
        for key in [k for k, u in self.uploads.items() if now - u.created > UPLOAD_TTL_S]:
            del self.uploads[key]
        upload_id = secrets.token_urlsafe(16)
        self.uploads[upload_id] = Upload(session_key(session_id), data)
        return upload_id

    def take_upload(self, session_id: str, upload_id: str) -> Optional[bytes]:
        upload = self.uploads.get(upload_id)
        if upload is None or upload.session_key != session_key(session_id) \
                or time.monotonic() - upload.created > UPLOAD_TTL_S:
            return None
        del self.uploads[upload_id]
        return upload.data


def state(request: web.Request) -> Dashboard:
    return request.app["dashboard"]


# -- request context ------------------------------------------------------------------------------------

def lang_of(request: web.Request) -> str:
    """?lang= (remembered in a cookie), else the cookie, else the browser's language."""
    for value in (request.query.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value
    return "bn" if request.headers.get("Accept-Language", "").lower().startswith("bn") else "en"


def session_id(request: web.Request) -> str:
    return request.cookies.get(COOKIE, "")


def here(request: web.Request) -> str:
    """This page's path and query without ?lang= (for the language switch and the return after login)."""
    query = urlencode([(k, v) for k, v in request.rel_url.query.items() if k != "lang"])
    return request.rel_url.path + (f"?{query}" if query else "")


def html(request: web.Request, title: str, body: str, active: str = "", status: int = 200) -> web.Response:
    lang = lang_of(request)
    sid = session_id(request)
    logged_in = state(request).sessions.valid(sid)
    document = page(prefix=PREFIX, lang=lang, title=title, body=body, active=active, here=here(request),
                    csrf=state(request).sessions.csrf_token(sid) if logged_in else "", logged_in=logged_in)
    return web.Response(text=document, content_type="text/html", charset="utf-8", status=status)


def csv_download(text: str, filename: str) -> web.Response:
    # utf-8-sig: spreadsheets then show Bangla correctly; the importer strips the BOM
    return web.Response(body=text.encode("utf-8-sig"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def district_options(lang: str, with_trend_places: bool = True) -> list[tuple[str, str]]:
    """"All", the 64 districts by name in ``lang``, then (for trends) "other districts", "abroad", "unknown"."""
    names = sorted(load_gazetteer().districts, key=lambda d: trends.district_label(d, lang))
    special = list(trends.content()["districts"]) if with_trend_places else []
    return [("", t("filter_all", lang))] + [(d, trends.district_label(d, lang)) for d in names + special]
