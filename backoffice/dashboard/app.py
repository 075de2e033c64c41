"""The staff dashboard: trends, directory coverage, the entries to confirm, a directory search, and the
CSV export and import (with a preview before anything is written), in Bangla and English.

Served under /staff/ by the local web chat, or on its own (``python -m backoffice.dashboard``). Access:
the staff token (STAFF_TOKEN) opens an expiring server-side session (backoffice.access); the cookie is
HttpOnly, SameSite=Strict and limited to /staff; every form that changes something carries a
per-session token; logins are throttled per client; a request naming a host not in DASHBOARD_HOSTS is
refused, so a DNS-rebinding page cannot reach a dashboard bound to localhost.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import os
import secrets
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import urlencode

from aiohttp import web

from backoffice import reports, trends
from backoffice.access import LoginThrottle, StaffSessions
from backoffice.dashboard.charts import line_chart
from backoffice.dashboard.html import LANGS, e, hidden, number, page, select, t, table, tel_links, url
from contract.paths import tracker_db_url
from referral_directory import CATEGORIES, Directory
from referral_directory.gazetteer import load as load_gazetteer
from referral_directory.upkeep import REASONS, category_label, coverage_csv

logger = logging.getLogger(__name__)

PREFIX = "/staff"
STATIC = Path(__file__).with_name("static")
COOKIE = "staff_session"
LANG_COOKIE = "staff_lang"
DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")
WEEK_CHOICES = (4, 8, 12, 26, 52)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TTL_S = 30 * 60
STALE_PAGE_SIZE = 50
FIND_LIMIT = 5
CHART_SERIES = 8  # lines in one chart; the table below it has every topic
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
    _directory: Optional[Directory] = None
    _directory_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def staff_token(self) -> str:
        return self.token if self.token is not None else os.environ.get("STAFF_TOKEN", "")

    async def directory(self) -> Directory:
        async with self._directory_lock:
            if self._directory is None:
                self._directory = await asyncio.to_thread(Directory.open, self.directory_url)
        return self._directory

    async def close(self, app: Optional[web.Application] = None) -> None:
        if self._directory is not None:
            self._directory.close()
            self._directory = None

    def keep_upload(self, session_id: str, data: bytes) -> str:
        now = time.monotonic()
        for key in [k for k, u in self.uploads.items() if now - u.created > UPLOAD_TTL_S]:
            del self.uploads[key]
        upload_id = secrets.token_urlsafe(16)
        self.uploads[upload_id] = Upload(_session_key(session_id), data)
        return upload_id

    def take_upload(self, session_id: str, upload_id: str) -> Optional[bytes]:
        upload = self.uploads.get(upload_id)
        if upload is None or upload.session_key != _session_key(session_id) \
                or time.monotonic() - upload.created > UPLOAD_TTL_S:
            return None
        del self.uploads[upload_id]
        return upload.data


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


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


# -- login ------------------------------------------------------------------------------------------------

def login_form(request: web.Request, message: str = "") -> str:
    lang = lang_of(request)
    next_page = request.query.get("next", "")
    if not state(request).staff_token():
        return f'<p class="error">{e(t("login_off", lang))}</p>'
    return (f'{f"<p class=error role=alert>{e(message)}</p>" if message else ""}'
            f'<p>{e(t("login_help", lang, hours=f"{state(request).sessions.hours:g}"))}</p>'
            f'<form method="post" action="{PREFIX}/login" class="stack">{hidden({"next": next_page})}'
            f'<label>{e(t("login_token", lang))} <input type="password" name="token" autocomplete="current-password" '
            f'required autofocus></label><button type="submit">{e(t("login_button", lang))}</button></form>')


async def login_page(request: web.Request) -> web.Response:
    return html(request, t("login_title", lang_of(request)), login_form(request))


async def login_post(request: web.Request) -> web.Response:
    """A right token opens a new session (any previous one ends: the id rotates at every login)."""
    dash, lang = state(request), lang_of(request)
    client = client_of(request)
    wait = dash.throttle.wait_s(client)
    if wait > 0:
        logger.warning("dashboard: login throttled")
        body = login_form(request, t("login_wait", lang, minutes=max(1, round(wait / 60))))
        return html(request, t("login_title", lang), body, status=429)
    form = await request.post()
    new_session = dash.sessions.login(str(form.get("token", "")), previous=session_id(request),
                                      token=dash.staff_token())
    if new_session is None:
        dash.throttle.failed(client)
        logger.info("dashboard: failed login")
        return html(request, t("login_title", lang), login_form(request, t("login_wrong", lang)), status=401)
    dash.throttle.succeeded(client)
    logger.info("dashboard: staff login")
    next_page = str(form.get("next", ""))
    target = next_page if next_page.startswith(PREFIX + "/") and "//" not in next_page else url(PREFIX, "")
    response = web.HTTPSeeOther(target)
    response.set_cookie(COOKIE, new_session, path=PREFIX, max_age=dash.sessions.max_age_s(), httponly=True,
                        samesite="Strict", secure=request.secure or behind_tls_proxy())
    raise response


async def logout(request: web.Request) -> web.Response:
    state(request).sessions.logout(session_id(request))
    response = web.HTTPSeeOther(url(PREFIX, "login"))
    response.del_cookie(COOKIE, path=PREFIX)
    raise response


# -- trends ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrendFilter:
    topic: str = ""
    district: str = ""
    weeks: int = 12

    @classmethod
    def of(cls, request: web.Request) -> "TrendFilter":
        weeks = request.query.get("weeks", "12")
        return cls(topic=request.query.get("topic", "") if request.query.get("topic", "") in trends.content()["topics"] else "",
                   district=request.query.get("district", "")[:64],
                   weeks=int(weeks) if weeks.isdigit() and int(weeks) in WEEK_CHOICES else 12)

    def keep(self, cell: trends.Cell) -> bool:
        return (not self.topic or cell.topic == self.topic) and (not self.district or cell.district == self.district)


async def published_trends(request: web.Request, chosen: TrendFilter) -> tuple[list[dt.date], list[trends.Cell]]:
    """Finalised weeks, suppressed by backoffice.trends.publish, then filtered (filtering shown cells
    reveals nothing a table of all of them would not)."""
    db = state(request).tracker_db or tracker_db_url()
    now = dt.datetime.now(dt.timezone.utc)
    since = reports.today() - dt.timedelta(days=7 * chosen.weeks)
    weeks, cells = await asyncio.to_thread(reports.trend_rows, since, db=db, now=now)
    finished = [w for w in weeks if trends.week_end(w) + trends.FINALISE_AFTER <= now][-chosen.weeks:]
    return finished, [c for c in cells if chosen.keep(c)]


def district_options(lang: str, with_trend_places: bool = True) -> list[tuple[str, str]]:
    """"All", the 64 districts by name in ``lang``, then (for trends) "other districts", "abroad", "unknown"."""
    names = sorted(load_gazetteer().districts, key=lambda d: trends.district_label(d, lang))
    special = list(trends.content()["districts"]) if with_trend_places else []
    return [("", t("filter_all", lang))] + [(d, trends.district_label(d, lang)) for d in names + special]


async def trends_page(request: web.Request) -> web.Response:
    lang, chosen = lang_of(request), TrendFilter.of(request)
    weeks, cells = await published_trends(request, chosen)
    k = trends.min_cell()
    series = reports.chart_series(cells)
    order = sorted(series, key=lambda topic: -sum(series[topic].values()))[:CHART_SERIES]
    labels = {topic: trends.topic_label(topic, lang) for topic in series}
    chart = (line_chart(weeks, {topic: series[topic] for topic in order}, labels, t("chart_caption", lang),
                        lambda week: number(week.strftime("%d/%m"), lang))
             if series else f'<p class="empty">{e(t("chart_empty", lang, k=k))}</p>')
    topics = [("", t("filter_all", lang))] + [(topic, trends.topic_label(topic, lang)) for topic in trends.content()["topics"]]
    filters = (f'<form method="get" class="filters">'
               f'{select("topic", t("filter_topic", lang), topics, chosen.topic)}'
               f'{select("district", t("filter_district", lang), district_options(lang), chosen.district)}'
               f'{select("weeks", t("filter_weeks", lang), [(str(w), str(w)) for w in WEEK_CHOICES], str(chosen.weeks))}'
               f'<button type="submit">{e(t("filter_apply", lang))}</button></form>')
    rows = [(e(number(c.week.isoformat(), lang)), e(trends.topic_label(c.topic, lang)),
             e(trends.district_label(c.district, lang)), f'<span class="num">{e(number(c.conversations, lang))}</span>')
            for c in sorted(cells, key=lambda c: (-c.week.toordinal(), -c.conversations, c.topic, c.district))]
    download = url(PREFIX, "trends.csv", topic=chosen.topic, district=chosen.district, weeks=chosen.weeks)
    body = (f'<p class="help">{e(t("trends_help", lang, k=k))}</p>{filters}'
            f'<figure>{chart}<figcaption>{e(t("chart_caption", lang))}</figcaption></figure>'
            + table([t("col_week", lang), t("col_topic", lang), t("col_district", lang), t("col_conversations", lang)],
                    rows, "trends")
            + f'<p><a class="button" href="{e(download)}">{e(t("download_trends", lang))}</a></p>')
    return html(request, t("trends_title", lang), body, "trends")


async def trends_csv(request: web.Request) -> web.Response:
    _, cells = await published_trends(request, TrendFilter.of(request))
    with tempfile.TemporaryDirectory() as tmp:
        path = reports.write_csv(cells, Path(tmp) / "trends.csv")
        return csv_download(path.read_text(encoding="utf-8"), f"trends_{reports.today().isoformat()}.csv")


# -- coverage ----------------------------------------------------------------------------------------------

def coverage_cell(cell: dict, lang: str) -> str:
    kind = "local" if cell["verified"] else ("national" if cell["covered"] else "gap")
    return f'<span class="cov {kind}">{number(cell["verified"], lang)} / {number(cell["unverified"], lang)}</span>'


async def coverage_page(request: web.Request) -> web.Response:
    lang = lang_of(request)
    directory = await state(request).directory()
    cov = await asyncio.to_thread(directory.coverage)
    headers = [t("col_district", lang)] + [category_label(c, lang) for c in cov["categories"]]
    by_division: dict[str, list[dict]] = defaultdict(list)
    for d in cov["districts"]:
        by_division[d["division"]].append(d)
    gazetteer = load_gazetteer()
    sections = []
    for division, districts in by_division.items():
        rows = [[e(d["name_bn"] if lang == "bn" else d["name"])] + [coverage_cell(cov["grid"][d["name"]][c], lang)
                                                                   for c in cov["categories"]]
                for d in districts]
        name = gazetteer.divisions[division].name_bn if lang == "bn" and division in gazetteer.divisions else division
        sections.append(f"<h2>{e(name)}</h2>" + table(headers, rows, "coverage"))
    local = sum(1 for d in cov["districts"] if any(cov["grid"][d["name"]][c]["verified"] for c in cov["categories"]))
    summary = t("coverage_summary", lang, verified=cov["verified"], unverified=cov["unverified"], local=local,
                total=cov["total_districts"])
    legend = "".join(f'<li><span class="cov {kind}">n / m</span> {e(t("legend_" + kind, lang))}</li>'
                     for kind in ("local", "national", "gap"))
    body = (f'<p class="help">{e(t("coverage_help", lang))}</p><p><strong>{e(summary)}</strong></p>'
            f'<ul class="legend">{legend}</ul>' + "".join(sections)
            + f'<p><a class="button" href="{url(PREFIX, "coverage.csv")}">{e(t("download_coverage", lang))}</a></p>')
    return html(request, t("coverage_title", lang), body, "coverage")


async def coverage_csv_download(request: web.Request) -> web.Response:
    directory = await state(request).directory()
    cov = await asyncio.to_thread(directory.coverage)
    out = io.StringIO()
    coverage_csv(cov, out)
    return csv_download(out.getvalue(), "coverage.csv")


# -- the entries to confirm ----------------------------------------------------------------------------------

async def stale_page(request: web.Request) -> web.Response:
    lang = lang_of(request)
    reason = request.query.get("reason", "") if request.query.get("reason", "") in REASONS else ""
    district = request.query.get("district", "")[:64]
    directory = await state(request).directory()
    entries = await asyncio.to_thread(directory.stale)
    counts = {r: sum(1 for x in entries if x["reason"] == r) for r in REASONS}
    shown = [x for x in entries if (not reason or x["reason"] == reason) and (not district or x["district"] == district)]
    pages = max(1, -(-len(shown) // STALE_PAGE_SIZE))
    page_no = min(pages, max(1, int(request.query["page"]) if request.query.get("page", "").isdigit() else 1))
    rows = []
    for x in shown[(page_no - 1) * STALE_PAGE_SIZE:page_no * STALE_PAGE_SIZE]:
        name = (x.get("name_bn") or x["name"]) if lang == "bn" else x["name"]
        where = ", ".join(p for p in (x.get("upazila"), trends.district_label(x["district"], lang)
                                      if x["district"] not in (None, "ALL") else x["district"]) if p)
        rows.append((e(name), e(category_label(x["category"], lang)), e(where), tel_links(x.get("phones") or [], lang),
                     e(t("reason_" + x["reason"], lang)), e(number(x["listed_on"] or "-", lang)),
                     e(number(x["confirmed_on"], lang) or t("never", lang))))
    reasons = [("", t("filter_all", lang))] + [(r, t("reason_" + r, lang)) for r in REASONS]
    filters = (f'<form method="get" class="filters">{select("reason", t("stale_reason", lang), reasons, reason)}'
               f'{select("district", t("filter_district", lang), district_options(lang, with_trend_places=False), district)}'
               f'<button type="submit">{e(t("filter_apply", lang))}</button></form>')
    nav = []
    if page_no > 1:
        nav.append(f'<a href="{e(url(PREFIX, "stale", reason=reason, district=district, page=page_no - 1))}">{e(t("previous", lang))}</a>')
    nav.append(e(t("page_of", lang, page=page_no, pages=pages)))
    if page_no < pages:
        nav.append(f'<a href="{e(url(PREFIX, "stale", reason=reason, district=district, page=page_no + 1))}">{e(t("next", lang))}</a>')
    body = (f'<p class="help">{e(t("stale_help", lang))}</p>'
            f'<p><strong>{e(t("stale_counts", lang, total=len(entries), **counts))}</strong></p>{filters}'
            + table([t("col_service", lang), t("col_category", lang), t("col_district", lang), t("col_phones", lang),
                     t("stale_reason", lang), t("col_listed", lang), t("col_confirmed", lang)], rows, "stale")
            + f'<p class="pager">{" · ".join(nav)}</p>')
    return html(request, t("stale_title", lang), body, "stale")


# -- directory search ------------------------------------------------------------------------------------------

async def find_page(request: web.Request) -> web.Response:
    lang = lang_of(request)
    place_text = request.query.get("place", "").strip()[:100]
    category = request.query.get("category", "") if request.query.get("category", "") in CATEGORIES else CATEGORIES[0]
    categories = [(c, category_label(c, lang)) for c in CATEGORIES]
    form = (f'<form method="get" class="filters"><label>{e(t("find_place", lang))} '
            f'<input name="place" value="{e(place_text)}" required></label>'
            f'{select("category", t("col_category", lang), categories, category)}'
            f'<button type="submit">{e(t("find_button", lang))}</button></form>')
    body = f'<p class="help">{e(t("find_help", lang))}</p>{form}'
    if place_text:
        body += await find_results(request, place_text, category, lang)
    return html(request, t("find_title", lang), body, "find")


async def find_results(request: web.Request, place_text: str, category: str, lang: str) -> str:
    resolution = Directory.resolve(place_text)
    if resolution.status == "ambiguous":
        links = "".join(f'<li><a href="{e(url(PREFIX, "find", place=f"{c.label()}", category=category))}">'
                        f"{e(c.label())} / {e(c.name_bn)} ({e(c.level)})</a></li>" for c in resolution.candidates[:8])
        return f'<p>{e(t("find_ambiguous", lang, place=place_text))}</p><ul>{links}</ul>'
    if not resolution.found:
        return f'<p class="error">{e(t("find_not_found", lang, place=place_text))}</p>'
    place = resolution.place
    directory = await state(request).directory()
    result = await asyncio.to_thread(directory.nearest, place, category, FIND_LIMIT, True)
    heading = t("find_for", lang, category=category_label(category, lang),
                place=place.name_bn if lang == "bn" else place.label(), level=place.level, precision=place.precision)
    out = f"<h2>{e(heading)}</h2>"
    if not result.results and not result.nationwide:
        return out + f'<p>{e(t("find_none", lang))}</p>'
    out += service_table(result.results, lang, numbered=True)
    if result.widened and result.results:
        out += f'<p class="help">{e(t("find_widened", lang, km=f"{result.near_km:g}"))}</p>'
    if result.nationwide:
        out += f'<h3>{e(t("find_nationwide", lang))}</h3>' + service_table(result.nationwide, lang, numbered=False)
    return out


def service_table(services: list, lang: str, numbered: bool) -> str:
    rows = []
    for i, r in enumerate(services, 1):
        mark = (f'<span class="ok">{e(t("verified_mark", lang))}</span>' if r.verified
                else f'<span class="unverified">{e(t("unverified_mark", lang))}</span>')
        name = (r.name_bn or r.name_en) if lang == "bn" else r.name_en
        distance = "-" if r.distance_km is None else f"{r.distance_km:.1f} km"
        if r.distance_km is not None and r.coord_precision == "district":
            distance += " " + t("to_district_hq", lang)
        rows.append(((f"{i}. " if numbered else "") + e(name) + "<br>" + mark, e(distance),
                     tel_links(r.phones, lang), e(number(r.listed_on or "-", lang)),
                     e(number(r.confirmed_on, lang) or t("never", lang)),
                     e(r.source or "-")))
    return table([t("col_service", lang), t("col_distance", lang), t("col_phones", lang), t("col_listed", lang),
                  t("col_confirmed", lang), t("col_source", lang)], rows, "services")


# -- export and import ----------------------------------------------------------------------------------------

def import_form(request: web.Request, message: str = "") -> str:
    lang = lang_of(request)
    csrf = state(request).sessions.csrf_token(session_id(request))
    return (f'<p class="help">{e(t("export_help", lang))}</p>'
            f'<p><a class="button" href="{url(PREFIX, "export.csv")}">{e(t("export_button", lang))}</a></p>'
            f'{f"<p class=error role=alert>{e(message)}</p>" if message else ""}'
            f'<form method="post" action="{PREFIX}/import" enctype="multipart/form-data" class="stack">'
            f'{hidden({"csrf": csrf})}<label>{e(t("import_file", lang))} '
            f'<input type="file" name="file" accept=".csv,text/csv" required></label>'
            f'<button type="submit">{e(t("import_button", lang))}</button></form>')


async def import_page(request: web.Request) -> web.Response:
    return html(request, t("import_title", lang_of(request)), import_form(request), "import")


async def export_csv(request: web.Request) -> web.Response:
    directory = await state(request).directory()
    out = io.StringIO()
    await asyncio.to_thread(directory.export_csv, out)
    logger.info("dashboard: directory exported")
    return csv_download(out.getvalue(), f"referral_directory_{dt.date.today().isoformat()}.csv")


async def run_import(request: web.Request, data: bytes, dry_run: bool) -> Any:
    directory = await state(request).directory()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.csv"
        path.write_bytes(data)
        return await asyncio.to_thread(directory.import_csv, path, dry_run, None, "dashboard")


async def import_preview(request: web.Request) -> web.Response:
    """Validate the upload and show what it would change; nothing is written until "Apply"."""
    lang = lang_of(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return html(request, t("import_title", lang), import_form(request, t("import_no_file", lang)), "import", 400)
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return html(request, t("import_title", lang), import_form(request, t("import_too_big", lang)), "import", 413)
    report = await run_import(request, data, dry_run=True)
    logger.info("dashboard: import preview, ok=%s", report.ok)
    return html(request, t("preview_title", lang), preview_body(request, report, data), "import")


def preview_body(request: web.Request, report: Any, data: bytes) -> str:
    lang = lang_of(request)
    if not report.ok:
        rows = [(e(p.row), e(p.column or "-"), e(p.message)) for p in report.problems]
        return (f'<p class="error" role="alert">{e(t("preview_problems", lang, n=len(report.problems)))}</p>'
                + table([t("col_row", lang), t("col_column", lang), t("col_problem", lang)], rows, "problems")
                + import_form(request))
    counts = t("preview_counts", lang, rows=report.rows, added=report.added, changed=report.changed,
               unchanged=report.unchanged)
    rows = []
    for change in report.changes:
        fields = "<br>".join(f'<code>{e(f["field"])}</code>: <del>{e(f["old"] or "-")}</del> → <ins>{e(f["new"] or "-")}</ins>'
                             for f in change["fields"])
        rows.append((e(change["service_id"]), e(change["name_en"]), e(t("change_" + change["action"], lang)), fields))
    if not report.changes:
        return f"<p><strong>{e(counts)}</strong></p><p>{e(t('nothing_to_apply', lang))}</p>" + import_form(request)
    sid = session_id(request)
    apply_form = (f'<form method="post" action="{PREFIX}/import/apply">'
                  f'{hidden({"csrf": state(request).sessions.csrf_token(sid), "upload": state(request).keep_upload(sid, data)})}'
                  f'<button type="submit" class="primary">{e(t("apply_button", lang))}</button></form>')
    return (f"<p><strong>{e(counts)}</strong></p>"
            + table(["id", t("col_service", lang), t("col_change", lang), ""], rows, "changes") + apply_form)


async def import_apply(request: web.Request) -> web.Response:
    lang = lang_of(request)
    form = await request.post()
    data = state(request).take_upload(session_id(request), str(form.get("upload", "")))
    if data is None:
        return html(request, t("import_title", lang), import_form(request, t("upload_expired", lang)), "import", 410)
    report = await run_import(request, data, dry_run=False)
    logger.info("dashboard: import applied, ok=%s", report.ok)
    if not report.ok:  # the directory changed in between and a row no longer fits
        return html(request, t("preview_title", lang), preview_body(request, report, data), "import", 409)
    message = t("applied", lang, added=report.added, changed=report.changed, unchanged=report.unchanged)
    return html(request, t("import_title", lang), f'<p class="ok" role="status">{e(message)}</p>' + import_form(request), "import")


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound(url(PREFIX, "trends"))


# -- wiring -----------------------------------------------------------------------------------------------------

ROUTES = (  # method, path under PREFIX, handler, public
    ("GET", "/login", login_page, True),
    ("POST", "/login", login_post, True),
    ("POST", "/logout", logout, False),
    ("GET", "/", home, False),
    ("GET", "/trends", trends_page, False),
    ("GET", "/trends.csv", trends_csv, False),
    ("GET", "/coverage", coverage_page, False),
    ("GET", "/coverage.csv", coverage_csv_download, False),
    ("GET", "/stale", stale_page, False),
    ("GET", "/find", find_page, False),
    ("GET", "/import", import_page, False),
    ("POST", "/import", import_preview, False),
    ("POST", "/import/apply", import_apply, False),
    ("GET", "/export.csv", export_csv, False),
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
