"""Partner data sharing (backoffice/sharing.py): the v1 CSV and JSON carry exactly what publish lets out (final weeks,
no cell under 5, however k is asked for), match the JSON Schema, and are served only to a partner token, over a real
aiohttp server on a tracker store written by Rasa's own SQLTrackerStore (helpers shared with tests/test_trends.py)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Optional

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from backoffice import sharing, trends
from backoffice.reports import trend_rows
from backoffice.trends import DHAKA, OTHER, is_final, week_of
from tests.test_trends import AFTER, WEEK, Tracker, at, tracker  # noqa: F401 (tracker is a fixture)

TOKEN = "partner-" + "x7Qm2" * 8  # long enough (MIN_TOKEN_CHARS); a recognisable marker for the log check
OTHER_TOKEN = "second-" + "Lp9w" * 8
WEEK_QUERY = {"since": WEEK.isoformat(), "until": (WEEK + dt.timedelta(days=6)).isoformat()}


def auth(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def partner_api(db_url: str, monkeypatch: pytest.MonkeyPatch,
                      tokens: Optional[str] = f"{OTHER_TOKEN},{TOKEN}") -> AsyncIterator[TestClient]:
    """A real aiohttp server on a free local port with the partner routes, PARTNER_TOKENS as given."""
    if tokens is None:
        monkeypatch.delenv(sharing.TOKENS_ENV, raising=False)
    else:
        monkeypatch.setenv(sharing.TOKENS_ENV, tokens)
    app = web.Application()
    sharing.add_routes(app, db_url)
    async with TestClient(TestServer(app)) as client:
        yield client


def csv_cells(body: bytes) -> tuple[list[str], set[tuple]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    return rows[0], {(r[0], r[1], r[4], int(r[7])) for r in rows[1:]}


def json_cells(doc: dict) -> set[tuple]:
    return {(r["week"], r["topic"], r["district"], r["conversations"]) for r in doc["rows"]}


def published(db_url: str, first: dt.date, last: dt.date) -> set[tuple]:
    """What publish lets out for the range, straight from backoffice.reports (the reference)."""
    return {(c.week.isoformat(), c.topic, c.district, c.conversations) for c in trend_rows(first, last, db=db_url)[1]}


def validate(doc: dict) -> None:
    schema = json.loads(sharing.SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)


# -- the published aggregates, in both formats ------------------------------------------------------------

async def test_a_final_week_comes_out_the_same_in_csv_and_json_and_matches_the_schema(
        tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    ts = at(WEEK + dt.timedelta(days=2))
    await tracker.crowd(6, "trafficking_info", "place:district:Khulna", ts)
    await tracker.crowd(5, "find_shelter", "place:district:Sylhet", ts)
    await tracker.crowd(4, "trafficking_signs", "place:district:Bhola", ts)
    await tracker.crowd(3, "trafficking_law", None, ts)  # with Bhola's 4: one OTHER cell of 7
    async with partner_api(tracker.url, monkeypatch) as api:
        csv_resp = await api.get("/partners/v1/weekly.csv", params=WEEK_QUERY, headers=auth())
        json_resp = await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth())
        schema_resp = await api.get("/partners/v1/schema.json", headers=auth())
        assert (csv_resp.status, json_resp.status, schema_resp.status) == (200, 200, 200)
        header, from_csv = csv_cells(await csv_resp.read())
        doc = json.loads(await json_resp.read())
        served_schema = json.loads(await schema_resp.read())

    assert csv_resp.content_type == "text/csv" and json_resp.content_type == "application/json"
    expected = published(tracker.url, WEEK, WEEK)
    assert expected == {(WEEK.isoformat(), "trafficking", "Khulna", 6), (WEEK.isoformat(), "shelter", "Sylhet", 5),
                        (WEEK.isoformat(), "trafficking", OTHER, 7)}
    assert from_csv == json_cells(doc) == expected
    validate(doc)
    for tampered in ({**doc["rows"][0], "conversations": 4}, {**doc["rows"][0], "sender_id": "abc"}):
        with pytest.raises(jsonschema.ValidationError):  # the schema itself forbids small cells and extra fields
            validate({**doc, "rows": [tampered]})
    assert served_schema == json.loads(sharing.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert doc["schema"] == served_schema["$id"] and "v1" in doc["schema"]
    # the CSV columns are the schema's row fields, in the same order
    assert header == served_schema["$defs"]["row"]["required"] == list(doc["rows"][0])
    assert doc["weeks"] == [WEEK.isoformat()] and doc["min_cell"] >= 5
    other = next(r for r in doc["rows"] if r["district"] == OTHER)
    assert other["district_en"] == trends.district_label(OTHER, "en") and other["topic_bn"] == "মানব পাচার"
    for resp in (csv_resp, json_resp, schema_resp):
        assert resp.headers["Cache-Control"] == "no-store"


async def test_small_cells_and_open_weeks_never_appear_and_k_stays_at_least_five(
        tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    ts = at(WEEK + dt.timedelta(days=1))
    await tracker.crowd(4, "child_marriage_law", "place:district:Khulna", ts)  # alone: a cell of 4
    await tracker.crowd(5, "trafficking_info", "place:district:Khulna", ts)
    now_ts = time.time() - 30  # this real week: open, however many ask
    this_week = week_of(now_ts)
    await tracker.crowd(6, "trafficking_info", "place:district:Khulna", now_ts)
    # content/trends.yml asking for k=1 must not lower the floor
    original = trends.content()
    monkeypatch.setattr(trends, "content", lambda: {**original, "min_cell": 1})
    query = {"since": WEEK.isoformat(), "until": (this_week + dt.timedelta(days=6)).isoformat()}
    async with partner_api(tracker.url, monkeypatch) as api:
        resp = await api.get("/partners/v1/weekly.json", params=query, headers=auth())
        assert resp.status == 200
        doc = json.loads(await resp.read())
        _, from_csv = csv_cells(await (await api.get("/partners/v1/weekly.csv", params=query, headers=auth())).read())
        lower = [await api.get("/partners/v1/weekly.json", params={**query, name: "1"}, headers=auth())
                 for name in ("k", "min_cell")]
        lower_texts = [await r.text() for r in lower]

    validate(doc)
    assert doc["min_cell"] == 5
    assert json_cells(doc) == from_csv == {(WEEK.isoformat(), "trafficking", "Khulna", 5)}
    assert all(r["conversations"] >= 5 for r in doc["rows"])
    assert "child_marriage" not in {r["topic"] for r in doc["rows"]}  # 4: neither shown nor merged into a group of 5
    assert this_week.isoformat() not in doc["weeks"] and WEEK.isoformat() in doc["weeks"]
    assert this_week.isoformat() not in {r["week"] for r in doc["rows"]}
    assert this_week in {c.week for c in trends.TrendStore(tracker.url).cells(this_week, this_week)}  # counted, held
    assert [r.status for r in lower] == [400, 400]
    assert all("only since and until" in t for t in lower_texts), lower_texts
    # the Python entry point cannot go below the floor either
    export = sharing.build_export(sharing.parse_range(WEEK.isoformat(), WEEK.isoformat()), db=tracker.url)
    assert export.min_cell == 5 and {c.conversations for c in export.rows} == {5}


# -- access -------------------------------------------------------------------------------------------------

async def test_no_token_configured_means_sharing_is_off(tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    for tokens in (None, " , ", "short-token"):  # unset, empty, or only a token too short to be accepted
        async with partner_api(tracker.url, monkeypatch, tokens=tokens) as api:
            for path in ("weekly.csv", "weekly.json", "schema.json"):
                resp = await api.get(f"/partners/v1/{path}", headers=auth("short-token"))
                assert resp.status == 404, (tokens, path)
                assert "conversations" not in await resp.text()


async def test_only_a_configured_token_gets_in_and_no_token_is_logged(
        tracker: Tracker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    await tracker.crowd(5, "trafficking_info", "place:district:Khulna", at(WEEK))
    caplog.set_level(logging.DEBUG)
    async with partner_api(tracker.url, monkeypatch) as api:
        missing = await api.get("/partners/v1/weekly.json", params=WEEK_QUERY)
        wrong = await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth(TOKEN[:-1] + "Z"))
        basic = await api.get("/partners/v1/weekly.json", params=WEEK_QUERY,
                              headers={"Authorization": f"Basic {TOKEN}"})
        right = await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth())
        second = await api.get("/partners/v1/weekly.csv", params=WEEK_QUERY, headers=auth(OTHER_TOKEN))
        bodies = [await r.text() for r in (missing, wrong, basic, right, second)]

    for refused in (missing, wrong, basic):
        assert refused.status == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert refused.headers["Cache-Control"] == "no-store"
    assert "Khulna" not in "".join(bodies[:3])
    assert (right.status, second.status) == (200, 200)
    assert json.loads(bodies[3])["rows"][0]["conversations"] == 5
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "json export, 1 rows" in logged and "csv export, 1 rows" in logged  # format and row count are logged
    for secret in (TOKEN, OTHER_TOKEN, TOKEN[8:24], OTHER_TOKEN[7:23]):
        assert secret not in logged


def test_tokens_are_kept_as_digests_and_compared_whole() -> None:
    digests = sharing.token_digests(f" {TOKEN} ,, {OTHER_TOKEN}")
    assert len(digests) == 2 and all(len(d) == 32 for d in digests)
    assert TOKEN.encode() not in b"".join(digests)
    assert sharing.bearer_ok(f"Bearer {TOKEN}", digests) and sharing.bearer_ok(f"bearer  {OTHER_TOKEN} ", digests)
    for header in (None, "", "Bearer", "Bearer ", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Token {TOKEN}",
                   f"Bearer {TOKEN},{OTHER_TOKEN}"):
        assert not sharing.bearer_ok(header, digests), header


# -- the range ------------------------------------------------------------------------------------------------

async def test_bad_dates_get_a_readable_400(tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    future = (dt.datetime.now(DHAKA).date() + dt.timedelta(days=30)).isoformat()
    cases = {"since=05/10/2026": ("since", "YYYY-MM-DD"), "since=2026-13-01": ("since", "YYYY-MM-DD"),
             "since=": ("since", "YYYY-MM-DD"), "until=yesterday": ("until", "YYYY-MM-DD"),
             "since=2026-10-05&until=2026-09-01": ("before", "2026-09-01"),
             "since=2020-01-01&until=2026-10-05": ("at most 104 weeks", "2020-01-01"),
             f"since={future}": ("future", future),
             "since=2026-10-05&since=2026-10-12": ("more than once", "since")}
    async with partner_api(tracker.url, monkeypatch) as api:
        for query, words in cases.items():
            resp = await api.get(f"/partners/v1/weekly.csv?{query}", headers=auth())
            text = await resp.text()
            assert resp.status == 400, (query, resp.status)
            assert all(w in text for w in words), (query, text)
            assert resp.headers["Cache-Control"] == "no-store"
        ok = await api.get("/partners/v1/weekly.csv?since=2024-12-02&until=2026-11-23", headers=auth())  # 104 weeks
        assert ok.status == 200


def test_the_default_range_is_the_last_twelve_final_weeks() -> None:
    monday_early = dt.datetime(2026, 10, 12, 0, 30, tzinfo=DHAKA)  # the week of WEEK ended 30 minutes ago: not final
    rng = sharing.parse_range(None, None, now=monday_early)
    assert rng.last == WEEK - dt.timedelta(days=7) and len(rng.weeks) == 12
    assert all(is_final(w, monday_early) for w in rng.weeks)
    assert not is_final(WEEK, monday_early) and is_final(WEEK, AFTER)
    assert sharing.parse_range(None, None, now=AFTER).last == WEEK
    until_only = sharing.parse_range(None, WEEK.isoformat(), now=AFTER)
    assert until_only.last == WEEK and len(until_only.weeks) == 12
    since_only = sharing.parse_range("2026-10-07", None, now=AFTER)  # a Wednesday: its whole week
    assert (since_only.first, since_only.last) == (WEEK, week_of(AFTER))


async def test_exports_are_cached_for_a_minute_and_built_off_the_event_loop(
        tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    calls: list[str] = []
    real_build = sharing.build_export

    def counting_build(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(sharing, "build_export", counting_build)
    await tracker.crowd(5, "trafficking_info", "place:district:Khulna", at(WEEK))
    async with partner_api(tracker.url, monkeypatch) as api:
        first = await (await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth())).read()
        again = await (await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth())).read()
        await api.get("/partners/v1/weekly.csv", params=WEEK_QUERY, headers=auth())
        assert first == again and len(calls) == 1  # one rollup for the three requests of the same range
        await api.get("/partners/v1/weekly.csv", params={"since": WEEK_QUERY["since"]}, headers=auth())
        assert len(calls) == 2  # another range is another export
        monkeypatch.setattr(sharing, "CACHE_SECONDS", 0.0)
        later = json.loads(await (await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth())).read())
    assert len(calls) == 3 and threading.main_thread().name not in calls
    assert later["generated_at"] >= json.loads(first)["generated_at"] and json_cells(later) == json_cells(
        json.loads(first)) == {(WEEK.isoformat(), "trafficking", "Khulna", 5)}


# -- the CLI ----------------------------------------------------------------------------------------------------

async def test_the_cli_writes_the_same_bytes_as_the_route(tracker: Tracker, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path, capsysbinary: pytest.CaptureFixture) -> None:
    await tracker.crowd(7, "child_marriage_harms", "place:district:Sylhet", at(WEEK))
    monkeypatch.setenv("TRACKER_DB_URL", tracker.url)
    argv = ["--since", WEEK_QUERY["since"], "--until", WEEK_QUERY["until"]]
    assert sharing.main(["--format", "csv", "--out", str(tmp_path / "w.csv"), *argv]) == 0
    assert sharing.main(["--format", "json", *argv]) == 0
    from_stdout = json.loads(capsysbinary.readouterr().out)
    async with partner_api(tracker.url, monkeypatch) as api:
        csv_body = await (await api.get("/partners/v1/weekly.csv", params=WEEK_QUERY, headers=auth())).read()
        doc = json.loads(await (await api.get("/partners/v1/weekly.json", params=WEEK_QUERY, headers=auth())).read())
    assert (tmp_path / "w.csv").read_bytes() == csv_body
    assert json_cells(from_stdout) == json_cells(doc) == {(WEEK.isoformat(), "child_marriage", "Sylhet", 7)}
    assert {**from_stdout, "generated_at": None} == {**doc, "generated_at": None}
    with pytest.raises(SystemExit) as exit_info:
        sharing.main(["--format", "csv", "--since", "last week"])
    assert exit_info.value.code == 2 and b"YYYY-MM-DD" in capsysbinary.readouterr().err
