"""Data sharing with partner NGOs: the published weekly trend aggregates as a versioned export (v1).

    GET /partners/v1/weekly.csv | weekly.json | schema.json   [?since=YYYY-MM-DD&until=YYYY-MM-DD]
    python -m backoffice.sharing --format csv|json [--since D] [--until D] [--out FILE]

Why a separate, versioned export: partners build spreadsheets and scripts on it, so its fields must not move
when the staff reports change (backoffice/reports.py may add a column at any time; v1 never does). What it
shows is exactly what ``backoffice.trends.publish`` lets out, via ``backoffice.reports.trend_rows``: finalised
weeks only, no cell under ``min_cell`` (never below 5), small districts added into ``other`` or dropped. No
text and no ids exist in those aggregates to begin with. The HTTP routes and the CLI write the same bytes
(``render``). Access: a read-only bearer token from PARTNER_TOKENS; without any, sharing is off (404).
docs/data-sharing.md is the partners' and operators' guide; the JSON Schema is in backoffice/schema/.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Optional, Sequence, Union

from aiohttp import web
from sqlalchemy.engine import Engine

from backoffice.reports import today, trend_rows
from backoffice.trends import MIN_CELL_FLOOR, Cell, district_label, is_final, last_final_week, min_cell, topic_label, \
    week_of
from contract.paths import tracker_db_url

logger = logging.getLogger(__name__)

VERSION = "v1"
SCHEMA_ID = "urn:surokkha:weekly_aggregates:v1"
SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "weekly_aggregates.v1.schema.json"
PREFIX = f"/partners/{VERSION}"
# The v1 columns, frozen (deliberately not reports.CSV_COLUMNS, which belongs to the staff report).
COLUMNS = ("week", "topic", "topic_en", "topic_bn", "district", "district_en", "district_bn", "conversations")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
DEFAULT_WEEKS = 12
MAX_WEEKS = 104
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 32
TOKENS_ENV = "PARTNER_TOKENS"
MIN_TOKEN_CHARS = 24  # secrets.token_urlsafe(32) gives 43; shorter entries are ignored (guessable)
QUERY_PARAMS = ("since", "until")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class RangeError(ValueError):
    """A since/until that cannot be served; the message is shown to the caller as is."""


# -- the week range -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeekRange:
    """Whole ISO weeks (Asia/Dhaka), each named by its Monday, ``first`` to ``last`` inclusive."""

    first: dt.date
    last: dt.date

    @property
    def weeks(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=7 * i) for i in range((self.last - self.first).days // 7 + 1)]


def default_range(now: dt.datetime) -> WeekRange:
    """The last DEFAULT_WEEKS finalised weeks: a request without dates never asks for an open week."""
    last = last_final_week(now)
    return WeekRange(last - dt.timedelta(days=7 * (DEFAULT_WEEKS - 1)), last)


def _parse_date(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise RangeError(f"{name}={value[:40]!r} is not a date: use YYYY-MM-DD, e.g. 2026-10-05") from None


def parse_range(since: Optional[str], until: Optional[str], now: Optional[dt.datetime] = None) -> WeekRange:
    """``since``/``until`` (ISO dates, either may be missing) as whole weeks, validated with messages a
    partner can act on. Missing both: the last 12 finalised weeks; missing ``until``: up to today;
    missing ``since``: the 12 weeks up to ``until``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if since is None and until is None:
        return default_range(now)
    end = _parse_date("until", until) if until is not None else today(now)
    start = _parse_date("since", since) if since is not None else \
        week_of(end) - dt.timedelta(days=7 * (DEFAULT_WEEKS - 1))
    if since is not None and start > today(now):
        raise RangeError(f"since={start} is in the future (today is {today(now)} in Bangladesh)")
    if end < start:
        raise RangeError(f"until={end} is before since={start}")
    rng = WeekRange(week_of(start), week_of(end))
    if len(rng.weeks) > MAX_WEEKS:
        raise RangeError(f"the range {start} to {end} spans {len(rng.weeks)} weeks; at most {MAX_WEEKS} weeks "
                         "per request (ask for the years one at a time)")
    return rng


# -- the export -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    """One reading of the published aggregates; ``render`` turns it into CSV or JSON bytes."""

    generated_at: dt.datetime
    range: WeekRange
    weeks: tuple[dt.date, ...]  # the finalised weeks of the range
    min_cell: int
    rows: tuple[Cell, ...]


def build_export(rng: WeekRange, *, db: Union[str, Engine, None] = None,
                 now: Optional[dt.datetime] = None) -> Export:
    """Rollup and suppression by ``trend_rows`` (the one path every output takes). Blocking: database work."""
    now = now or dt.datetime.now(dt.timezone.utc)
    k = min_cell()  # what publish applies (content/trends.yml, floored at MIN_CELL_FLOOR)
    _, cells = trend_rows(rng.first, rng.last, db=db or tracker_db_url(), now=now)
    leak = [c for c in cells if c.partial or c.conversations < max(k, MIN_CELL_FLOOR)]
    if leak:  # a tripwire, not a second suppression: publish must never let these out
        raise RuntimeError(f"sharing: {len(leak)} cells failed the publish rules; nothing exported")
    # weeks with rows are final in the database (another process may have finalised one a second early)
    final = tuple(sorted({w for w in rng.weeks if is_final(w, now)} | {c.week for c in cells}))
    return Export(now.astimezone(dt.timezone.utc).replace(microsecond=0), rng, final, k, tuple(cells))


def row_dict(cell: Cell) -> dict:
    """One v1 row, the fields of COLUMNS in order (labels from content/trends.yml and the gazetteer)."""
    return {"week": cell.week.isoformat(), "topic": cell.topic,
            "topic_en": topic_label(cell.topic, "en"), "topic_bn": topic_label(cell.topic, "bn"),
            "district": cell.district,
            "district_en": district_label(cell.district, "en"), "district_bn": district_label(cell.district, "bn"),
            "conversations": cell.conversations}


def payload(export: Export) -> dict:
    """The v1 JSON document (backoffice/schema/weekly_aggregates.v1.schema.json)."""
    return {"schema": SCHEMA_ID, "generated_at": export.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "first_week": export.range.first.isoformat(), "last_week": export.range.last.isoformat(),
            "weeks": [w.isoformat() for w in export.weeks], "min_cell": export.min_cell,
            "rows": [row_dict(c) for c in export.rows]}


def render(export: Export, fmt: str) -> bytes:
    """The bytes both the HTTP routes and the CLI send: CSV (UTF-8, header, RFC 4180 line ends) or JSON."""
    if fmt == "json":
        return (json.dumps(payload(export), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}: csv or json")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(row_dict(c) for c in export.rows)
    return out.getvalue().encode("utf-8")


def filename(export: Export, fmt: str) -> str:
    return f"weekly_aggregates_{VERSION}_{export.range.first}_{export.range.last}.{fmt}"


# -- access ---------------------------------------------------------------------------------------------

def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_digests(raw: Optional[str]) -> tuple[bytes, ...]:
    """SHA-256 digests of the comma-separated tokens (the tokens themselves are not kept). Entries
    shorter than MIN_TOKEN_CHARS are ignored with a warning that names their position only."""
    digests = []
    for i, token in enumerate((raw or "").split(","), 1):
        token = token.strip()
        if not token:
            continue
        if len(token) < MIN_TOKEN_CHARS:
            logger.warning("%s: entry %d is shorter than %d characters and is ignored", TOKENS_ENV, i,
                           MIN_TOKEN_CHARS)
            continue
        digests.append(_digest(token))
    return tuple(digests)


def bearer_ok(header: Optional[str], digests: Sequence[bytes]) -> bool:
    """Whether ``Authorization: Bearer <token>`` holds one of the tokens; compares every digest in
    constant time, so the timing tells nothing about which or how much matched."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    presented = _digest(token.strip())
    matched = False
    for d in digests:
        matched |= hmac.compare_digest(presented, d)
    return matched


# -- HTTP -----------------------------------------------------------------------------------------------

def _text(status: int, message: str, headers: Optional[dict] = None) -> web.Response:
    return web.Response(status=status, text=f"{status}: {message}\n", headers={**NO_STORE, **(headers or {})})


Rendered = tuple[Export, dict[str, bytes]]  # an export and its bytes per format


def _build_rendered(rng: WeekRange, db: str) -> Rendered:
    export = build_export(rng, db=db)
    return export, {fmt: render(export, fmt) for fmt in CONTENT_TYPES}


class _Exports:
    """Rendered exports per week range, kept CACHE_SECONDS: a rollup per request would be slow, and one at
    a time is enough (it runs in a thread, labels and all, so the event loop keeps serving)."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._cache: dict[WeekRange, tuple[float, Rendered]] = {}
        self._lock = asyncio.Lock()

    def _fresh(self, rng: WeekRange) -> Optional[Rendered]:
        hit = self._cache.get(rng)
        return hit[1] if hit and time.monotonic() - hit[0] < CACHE_SECONDS else None

    async def get(self, rng: WeekRange) -> Rendered:
        found = self._fresh(rng)
        if found is not None:
            return found
        async with self._lock:
            found = self._fresh(rng)
            if found is None:
                found = await asyncio.to_thread(_build_rendered, rng, self.db)
                now = time.monotonic()
                self._cache = {r: v for r, v in self._cache.items() if now - v[0] < CACHE_SECONDS}
                if len(self._cache) >= CACHE_ENTRIES:
                    self._cache.pop(min(self._cache, key=lambda r: self._cache[r][0]))
                self._cache[rng] = (now, found)
        return found


def _query_range(request: web.Request) -> WeekRange:
    """since/until from the query string; anything else (a ``k``, a token in the URL) is refused."""
    unknown = sorted(set(request.query) - set(QUERY_PARAMS))
    if unknown:
        names = ", ".join(n[:40] for n in unknown[:5])
        raise RangeError(f"unknown parameter {names}: this export takes only since and until (YYYY-MM-DD); "
                         f"small cells are always suppressed (k >= {MIN_CELL_FLOOR})")
    repeated = [p for p in QUERY_PARAMS if len(request.query.getall(p, [])) > 1]
    if repeated:
        raise RangeError(f"{repeated[0]} is given more than once")
    return parse_range(request.query.get("since"), request.query.get("until"))


def add_routes(app: web.Application, db_url: Optional[str] = None) -> None:
    """GET /partners/v1/weekly.csv, weekly.json and schema.json on ``app``. PARTNER_TOKENS is read now;
    a token change needs a restart. With no token configured every route answers 404 (sharing off)."""
    digests = token_digests(os.environ.get(TOKENS_ENV))
    exports = _Exports(db_url or tracker_db_url())

    def refused(request: web.Request) -> Optional[web.Response]:
        if not digests:
            return _text(404, "Not Found")
        if not bearer_ok(request.headers.get("Authorization"), digests):
            logger.info("partners: request refused (no valid bearer token)")
            return _text(401, "Unauthorized: send Authorization: Bearer <partner token>",
                         {"WWW-Authenticate": 'Bearer realm="partners"'})
        return None

    def weekly(fmt: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            denied = refused(request)
            if denied is not None:
                return denied
            try:
                rng = _query_range(request)
            except RangeError as e:
                return _text(400, str(e))
            export, bodies = await exports.get(rng)
            body = bodies[fmt]
            logger.info("partners: %s export, %d rows", fmt, len(export.rows))
            return web.Response(body=body, headers={
                **NO_STORE, "Content-Type": CONTENT_TYPES[fmt],
                "Content-Disposition": f'{"attachment" if fmt == "csv" else "inline"}; '
                                       f'filename="{filename(export, fmt)}"'})
        return handler

    async def schema(request: web.Request) -> web.Response:
        denied = refused(request)
        if denied is not None:
            return denied
        return web.Response(body=SCHEMA_FILE.read_bytes(),
                            headers={**NO_STORE, "Content-Type": "application/schema+json; charset=utf-8"})

    app.router.add_get(f"{PREFIX}/weekly.csv", weekly("csv"))
    app.router.add_get(f"{PREFIX}/weekly.json", weekly("json"))
    app.router.add_get(f"{PREFIX}/schema.json", schema)


# -- CLI ------------------------------------------------------------------------------------------------

def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backoffice.sharing",
                                     description="The partner export (v1) of the published weekly aggregates: "
                                                 "the same bytes as GET /partners/v1/weekly.csv|json.")
    parser.add_argument("--format", choices=sorted(CONTENT_TYPES), required=True)
    parser.add_argument("--since", help="first day, YYYY-MM-DD (its whole week counts); default: 12 weeks back")
    parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today, Bangladesh time)")
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    try:
        rng = parse_range(args.since, args.until)
    except RangeError as e:
        parser.error(str(e))
    export = build_export(rng)
    body = render(export, args.format)
    if args.out:
        args.out.write_bytes(body)
        print(f"Wrote {args.out}: {len(export.rows)} rows, {len(export.weeks)} final weeks of "
              f"{rng.first} to {rng.last}, cells under {export.min_cell} left out.", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    logger.info("partners: %s export, %d rows", args.format, len(export.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
