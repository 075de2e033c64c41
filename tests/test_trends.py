"""Anonymous trends (backoffice/trends.py, backoffice/reports.py): small-cell suppression, surviving the retention
purge, one count per conversation, idempotent rollups, no ids or text anywhere; on trackers written by
Rasa's own SQLTrackerStore (SQLite, and PostgreSQL when it runs) and end to end through the real stack."""
from __future__ import annotations

import csv
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterable, Optional

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from backoffice.conversations import ConversationStore
from backoffice.reports import chart_series, main as reports_main, report_text, trend_rows, trends_report, trends_text
from backoffice.trends import (ABROAD, DHAKA, OTHER, Cell, TrendStore, content, district_of, intent_topics, publish,
                        week_end, week_of)
from tests.stack import RasaStack

ROOT = Path(__file__).resolve().parent.parent
WEEK = dt.date(2026, 10, 5)  # a Monday, long past: its week is final at any real "now" after it
AFTER = week_end(WEEK) + dt.timedelta(hours=2)
DURING = dt.datetime(2026, 10, 7, 12, 0, tzinfo=DHAKA)
TRACKER_TABLES = ("trend_week", "trend_weekly", "trend_open_topic", "trend_open_place")


def at(day: dt.date, hour: float = 12.0) -> float:
    """Epoch seconds at ``hour`` o'clock, Dhaka time, on ``day``."""
    return dt.datetime.combine(day, dt.time(0), DHAKA).timestamp() + hour * 3600


def sid() -> str:
    return uuid.uuid4().hex


class Tracker:
    """Writes conversations with Rasa's own SQLTrackerStore, so the `events` rows are exactly Rasa's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.store = SQLTrackerStore(dialect="sqlite", db=str(path))

    async def talk(self, sender: str, turns: Iterable[tuple[float, str, Optional[str]]]) -> None:
        """turns: (timestamp, intent, location slot value or None). The message text is a marker the
        tests look for in every output."""
        evs = []
        for ts, intent, location in turns:
            evs.append(UserUttered(f"SECRET TEXT {sender} {intent}", {"name": intent, "confidence": 0.99},
                                   timestamp=ts))
            if location is not None:
                evs.append(SlotSet("location", location, timestamp=ts + 1))
            evs.append(ActionExecuted("action_listen", timestamp=ts + 2))
        await self.store.save(DialogueStateTracker.from_events(sender, evs))

    async def crowd(self, n: int, intent: str, location: Optional[str], ts: float) -> list[str]:
        senders = [sid() for _ in range(n)]
        for s in senders:
            await self.talk(s, [(ts, intent, location)])
        return senders

    def event_count(self) -> int:
        with create_engine(self.url, future=True).connect() as conn:
            return conn.execute(text("SELECT count(*) FROM events")).scalar()


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    return Tracker(tmp_path / "tracker.db")


def key(rows: Iterable[Cell]) -> set[tuple]:
    return {(c.week, c.topic, c.district, c.conversations, c.partial) for c in rows}


def dump_tables(url: str) -> str:
    """Every value of every trends table, as one string (to look for ids and text)."""
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        return "\n".join(repr(row) for t in TRACKER_TABLES for row in conn.execute(text(f"SELECT * FROM {t}")))


# -- the rules --------------------------------------------------------------------------------------------

def test_topics_cover_only_known_intents_and_no_small_talk() -> None:
    with open(ROOT / "domain.yml", encoding="utf-8") as fh:
        domain_intents = set(yaml.safe_load(fh)["intents"])
    mapping = intent_topics()
    assert set(mapping) <= domain_intents, set(mapping) - domain_intents
    small_talk = {"greet", "thank", "affirm", "deny", "help", "set_language", "bot_challenge", "out_of_scope",
                  "nlu_fallback", "goodbye", "inform_location", "request_human"}
    assert not small_talk & set(mapping)
    for spec in content()["topics"].values():
        assert spec["en"].strip() and spec["bn"].strip()
    for group in ("districts", "texts"):
        for labels in content()[group].values():
            assert labels["en"].strip() and labels["bn"].strip()


def test_weeks_are_iso_weeks_in_dhaka_time() -> None:
    sunday_night = dt.datetime(2026, 10, 11, 23, 30, tzinfo=DHAKA)
    assert week_of(sunday_night.timestamp()) == WEEK == week_of(sunday_night)
    assert week_of((sunday_night + dt.timedelta(hours=1)).timestamp()) == WEEK + dt.timedelta(days=7)
    # 18:30 UTC on Sunday is already Monday in Dhaka
    assert week_of(dt.datetime(2026, 10, 11, 18, 30, tzinfo=dt.timezone.utc)) == WEEK + dt.timedelta(days=7)


def test_districts_from_the_location_slot() -> None:
    assert district_of("place:district:Khulna") == "Khulna"
    assert district_of("place:upazila:Jashore/Sharsha") == "Jashore"
    assert district_of("place:division:Khulna") is None  # a division names no district
    assert district_of("point:22.82000,89.55000") == "Khulna"
    assert district_of("point:28.61000,77.21000") == ABROAD  # Delhi
    assert district_of("point:not,a number") is None and district_of(None) is None
    assert district_of("place:district:Atlantis") is None


def test_publish_suppresses_small_cells_and_leaves_nothing_to_subtract() -> None:
    w = WEEK
    cells = [Cell(w, "trafficking", "Khulna", 5), Cell(w, "trafficking", "Bhola", 4),
             Cell(w, "child_marriage", "Khulna", 4), Cell(w, "child_marriage", "Bhola", 1),
             Cell(w, "shelter", "Khulna", 9), Cell(w, "shelter", "Bhola", 3), Cell(w, "shelter", "unknown", 2)]
    out = publish(cells, k=5)
    assert key(out) == {(w, "trafficking", "Khulna", 5, False), (w, "shelter", "Khulna", 9, False),
                        (w, "shelter", OTHER, 5, False),  # Bhola 3 + unknown 2: a group of 5, neither cell
                        (w, "child_marriage", OTHER, 5, False)}  # Khulna 4 + Bhola 1
    assert all(c.conversations >= 5 for c in out)


# -- on trackers written by Rasa's SQLTrackerStore -------------------------------------------------------

async def test_a_cell_of_four_never_appears_a_cell_of_five_does(tracker: Tracker, tmp_path: Path) -> None:
    ts = at(WEEK + dt.timedelta(days=2))
    await tracker.crowd(5, "trafficking_info", "place:district:Khulna", ts)
    await tracker.crowd(4, "trafficking_signs", "place:upazila:Bhola/Char Fasson", ts)
    await tracker.crowd(4, "child_marriage_law", "place:district:Khulna", ts)
    assert trend_rows(WEEK, WEEK, db=tracker.url, now=DURING)[1] == []  # open week: counted, not shown
    assert key(TrendStore(tracker.url).cells(WEEK, WEEK)) == {
        (WEEK, "trafficking", "Khulna", 5, True), (WEEK, "trafficking", "Bhola", 4, True),
        (WEEK, "child_marriage", "Khulna", 4, True)}
    weeks, rows = trend_rows(WEEK, WEEK, db=tracker.url, now=AFTER)
    assert key(rows) == {(WEEK, "trafficking", "Khulna", 5, False)}
    assert chart_series(rows) == {"trafficking": {WEEK: 5}}
    csv_path, png_path, n = trends_report(WEEK, WEEK, tmp_path / "out", db=tracker.url, now=AFTER)
    with open(csv_path, encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert n == 1 and [(r["topic"], r["district"], r["conversations"], r["week_status"]) for r in table] == [
        ("trafficking", "Khulna", "5", "final")]
    assert png_path.stat().st_size > 5000
    for lang in ("en", "bn"):
        body = trends_text(lang, WEEK, db=tracker.url, now=AFTER)
        assert ("Trafficking: 5" if lang == "en" else "মানব পাচার: ৫") in body
        assert ("Khulna 5" if lang == "en" else "খুলনা ৫") in body
        for hidden in ("Bhola", "ভোলা", "Child marriage", "বাল্যবিবাহ", ": 4", ": ৪", " 4", " ৪"):
            assert hidden not in body, (hidden, body)


async def test_small_districts_only_show_combined_when_the_sum_reaches_five(tracker: Tracker) -> None:
    ts = at(WEEK + dt.timedelta(days=1))
    await tracker.crowd(6, "find_shelter", "place:district:Khulna", ts)
    await tracker.crowd(4, "find_shelter", "place:district:Bhola", ts)
    await tracker.crowd(3, "find_shelter", None, ts)  # never gave a place: unknown
    _, rows = trend_rows(WEEK, WEEK, db=tracker.url, now=AFTER)
    assert key(rows) == {(WEEK, "shelter", "Khulna", 6, False), (WEEK, "shelter", OTHER, 7, False)}
    assert TrendStore(tracker.url).cells(WEEK, WEEK) and {(c.district, c.conversations) for c in
                                                          TrendStore(tracker.url).cells(WEEK, WEEK)} == {
        ("Khulna", 6), ("Bhola", 4), ("unknown", 3)}  # stored exactly, suppressed only at output


async def test_trends_survive_the_retention_purge(tracker: Tracker) -> None:
    ts = at(WEEK + dt.timedelta(days=3))  # more than 30 days ago
    await tracker.crowd(7, "child_marriage_harms", "place:district:Sylhet", ts)
    assert tracker.event_count() > 0
    assert ConversationStore(tracker.url).purge(days=30) > 0  # rolls up first, then deletes
    assert tracker.event_count() == 0
    weeks, rows = trend_rows(WEEK, WEEK, db=tracker.url)
    assert key(rows) == {(WEEK, "child_marriage", "Sylhet", 7, False)}
    assert "Sylhet 7" in trends_text("en", WEEK, db=tracker.url)


async def test_distinct_counts_hold_when_retention_is_shorter_than_a_week(tracker: Tracker) -> None:
    """Events purged mid-week, then the same conversations ask again the same week: still counted once."""
    ts = time.time() - 10  # this real week (so the purge's own rollup keeps it open), all events in the past
    if week_of(ts - 5) != week_of(ts + 3):
        ts -= 10
    week = week_of(ts)
    first = await tracker.crowd(5, "safe_migration", "place:district:Cumilla", ts - 5)
    ConversationStore(tracker.url).purge(days=0)
    assert tracker.event_count() == 0
    for s in first[:3]:  # the same conversations again, after their events are gone
        await tracker.talk(s, [(ts, "job_offer_check", "place:district:Cumilla")])
    await tracker.crowd(1, "job_offer_check", "place:district:Cumilla", ts)
    ConversationStore(tracker.url).purge(days=0)
    assert tracker.event_count() == 0
    assert key(TrendStore(tracker.url).cells(week, week)) == {(week, "migration_jobs", "Cumilla", 6, True)}
    assert trend_rows(week, week, db=tracker.url)[1] == []  # open: not shown
    TrendStore(tracker.url).rollup(now=week_end(week) + dt.timedelta(hours=2))
    assert key(publish(TrendStore(tracker.url).cells(week, week))) == {(week, "migration_jobs", "Cumilla", 6, False)}
    with create_engine(tracker.url, future=True).connect() as conn:  # the week's key is gone once final
        assert conn.execute(text("SELECT week_key FROM trend_week")).scalars().all() == [None]


async def test_one_conversation_counts_once_per_topic_and_week(tracker: Tracker) -> None:
    day = WEEK + dt.timedelta(days=1)
    repeat = sid()
    await tracker.talk(repeat, [(at(day, 9), "trafficking_info", None), (at(day, 10), "trafficking_signs", None),
                                (at(day + dt.timedelta(days=2)), "trafficking_law", "place:district:Khulna"),
                                (at(day + dt.timedelta(days=7)), "trafficking_info", "place:district:Khulna")])
    await tracker.crowd(4, "trafficking_info", "place:district:Khulna", at(day))
    # moved within the week: the latest place that week counts, in one cell only
    moved = sid()
    await tracker.talk(moved, [(at(day, 8), "find_shelter", "place:district:Bhola"),
                               (at(day, 20), "greet", "place:district:Khulna")])
    store = TrendStore(tracker.url)
    store.rollup(now=AFTER + dt.timedelta(days=7))
    cells = store.cells(WEEK, WEEK + dt.timedelta(days=7))
    assert key(cells) == {(WEEK, "trafficking", "Khulna", 5, False), (WEEK, "shelter", "Khulna", 1, False),
                          (WEEK + dt.timedelta(days=7), "trafficking", "Khulna", 1, False)}


async def test_rollup_is_idempotent(tracker: Tracker) -> None:
    ts = at(WEEK + dt.timedelta(days=4))
    await tracker.crowd(5, "online_safety", "point:23.81000,90.41000", ts)  # GPS in Dhaka
    await tracker.crowd(2, "emergency", None, ts)
    store = TrendStore(tracker.url)
    results = [store.rollup(now=DURING + dt.timedelta(days=2)) for _ in range(3)]
    assert all(r.events_read > 0 for r in results)
    live = store.cells(WEEK, WEEK)
    assert key(live) == {(WEEK, "online_safety", "Dhaka", 5, True), (WEEK, "emergency", "unknown", 2, True)}
    assert store.rollup(now=AFTER).weeks_finalised == [WEEK]
    final = store.cells(WEEK, WEEK)
    for _ in range(2):
        again = store.rollup(now=AFTER + dt.timedelta(days=1))
        assert again.weeks_finalised == [] and again.events_read == 0  # the final week is never read again
    assert key(store.cells(WEEK, WEEK)) == key(final) == {(c.week, c.topic, c.district, c.conversations, False)
                                                         for c in live}


async def test_no_sender_id_or_text_in_tables_or_outputs(tracker: Tracker, tmp_path: Path) -> None:
    ts = at(WEEK + dt.timedelta(days=2))
    senders = await tracker.crowd(6, "report_trafficking", "place:district:Jashore", ts)
    senders += await tracker.crowd(5, "find_counselling", "place:district:Jashore", time.time())  # open week
    ConversationStore(tracker.url).purge(days=30)
    tables = dump_tables(tracker.url)
    csv_path, png_path, _ = trends_report(WEEK, None, tmp_path, db=tracker.url)
    outputs = [tables, csv_path.read_text(encoding="utf-8"), trends_text("en", WEEK, db=tracker.url),
               trends_text("bn", WEEK, db=tracker.url)]
    shown = {(r["week"], r["district"], r["conversations"]) for r in csv.DictReader(outputs[1].splitlines())}
    assert (WEEK.isoformat(), "Jashore", "6") in shown
    assert week_of(time.time()).isoformat() not in {w for w, _, _ in shown}  # the open week is not shown
    for s in senders:
        for out in outputs:
            assert s not in out and s[:12] not in out
    for out in outputs:
        assert "SECRET" not in out and "report_trafficking" not in out
    # a finalised week keeps counts only: no per-conversation rows, no key
    with create_engine(tracker.url, future=True).connect() as conn:
        week = {"w": WEEK.isoformat()}
        assert conn.execute(text("SELECT count(*) FROM trend_open_topic WHERE week = :w"), week).scalar() == 0
        assert conn.execute(text("SELECT week_key FROM trend_week WHERE week = :w"), week).scalar() is None


async def test_forget_removes_a_conversation_from_the_open_week(tracker: Tracker) -> None:
    senders = await tracker.crowd(5, "stipend_info", "place:district:Rangpur", time.time())
    TrendStore(tracker.url).rollup()
    week = week_of(time.time())
    assert key(TrendStore(tracker.url).cells(week, week)) == {(week, "social_protection", "Rangpur", 5, True)}
    assert ConversationStore(tracker.url).forget(senders[0]) > 0
    assert key(TrendStore(tracker.url).cells(week, week)) == {(week, "social_protection", "Rangpur", 4, True)}
    assert publish(TrendStore(tracker.url).cells(week, week)) == []


def test_report_text_is_chat_sized_with_directory_coverage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'referral.db'}")
    for lang in ("en", "bn"):
        body = report_text(lang, db=f"sqlite:///{tmp_path / 'tracker.db'}")
        assert len(body) <= 3500
        assert ("Directory coverage:" if lang == "en" else "সেবা তালিকার আওতা:") in body
        assert ("No topic reached 5" if lang == "en" else "এখনো কোনো বিষয়ে") in body
        assert "not available" not in body and "পাওয়া যাচ্ছে না" not in body


def test_cli_writes_csv_and_png_and_rejects_bad_dates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    env = {**os.environ, "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}"}
    run = subprocess.run([sys.executable, "-m", "backoffice.reports", "trends", "--since", "2026-10-01", "--out",
                          str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "trends.csv" in run.stdout and (tmp_path / "out" / "trends.png").exists()
    for bad in (["--since", "2026-13-01"], ["--since", "yesterday"],
                ["--since", "2026-10-10", "--until", "2026-10-01"]):
        with pytest.raises(SystemExit) as exc:
            reports_main(["trends", *bad, "--out", str(tmp_path / "bad")])
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid date '2026-13-01': use YYYY-MM-DD" in err and "is before --since" in err


def test_coverage_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'referral.db'}")
    assert reports_main(["coverage", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "coverage.png").stat().st_size > 0
    assert (tmp_path / "coverage.csv").read_text(encoding="utf-8").count("\n") > 64
    assert "coverage.csv" in capsys.readouterr().out


# -- PostgreSQL (the other tracker store this project supports) ---------------------------------------

def _postgres_up() -> bool:
    try:
        import psycopg2
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not _postgres_up(), reason="no PostgreSQL at 127.0.0.1:5432")
async def test_postgresql_tracker_store() -> None:
    name = f"trends_{uuid.uuid4().hex[:10]}"
    store = SQLTrackerStore(dialect="postgresql", host="127.0.0.1", port=5432, db=name, username="postgres",
                            login_db="postgres")
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    trends = TrendStore(url)
    try:
        senders = [sid() for _ in range(5)]
        for s in senders:
            evs = [UserUttered("SECRET", {"name": "missing_child"}, timestamp=at(WEEK, 9)),
                   SlotSet("location", "place:district:Rajshahi", timestamp=at(WEEK, 9.1)),
                   UserUttered("SECRET", {"name": "missing_child"}, timestamp=at(WEEK, 10))]
            await store.save(DialogueStateTracker.from_events(s, evs))
        await store.save(DialogueStateTracker.from_events(sid(), [UserUttered("x", {"name": "missing_child"},
                                                                              timestamp=at(WEEK, 9))]))
        for _ in range(2):
            trends.rollup(now=DURING)
        assert key(trends.cells(WEEK, WEEK)) == {(WEEK, "missing_child", "Rajshahi", 5, True),
                                                 (WEEK, "missing_child", "unknown", 1, True)}
        assert ConversationStore(url).forget(senders[0]) == 3
        assert ConversationStore(url).purge(days=30) > 0  # final now, then deleted
        # Rajshahi is down to 4 after /forget: only the combined group (Rajshahi 4 + unknown 1) shows
        assert key(publish(trends.cells(WEEK, WEEK))) == {(WEEK, "missing_child", OTHER, 5, False)}
        assert key(trends.cells(WEEK, WEEK)) == {(WEEK, "missing_child", "Rajshahi", 4, False),
                                                 (WEEK, "missing_child", "unknown", 1, False)}
        assert all(s not in dump_tables(url) for s in senders)
    finally:
        store.engine.dispose()
        trends.engine.dispose()
        admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- end to end: real conversations through Rasa and the action server -------------------------------

def test_end_to_end_through_the_real_stack(rasa_stack: RasaStack, tmp_path: Path) -> None:
    jessore = [sid() for _ in range(5)]
    khulna = [sid() for _ in range(4)]
    for s in jessore:
        rasa_stack.send(s, "I need free legal aid office in jessore")
    rasa_stack.send(jessore[0], "/find_legal_aid")  # the same conversation again: still one
    for s in khulna:
        rasa_stack.send(s, "legal aid office in Khulna")
    mine = jessore + khulna
    # a copy of the stack's tracker store (other tests share it), with only these conversations
    copy = tmp_path / "tracker.db"
    with sqlite3.connect(rasa_stack.tracker_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as conn:
        conn.execute(f"DELETE FROM events WHERE sender_id NOT IN ({','.join('?' * len(mine))})", mine)
        # other tests' bots may already have rolled their conversations into the shared store's trend tables
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'trend%'").fetchall():
            conn.execute(f"DROP TABLE {table}")
    url = f"sqlite:///{copy}"
    week = week_of(time.time())
    after = week_end(week) + dt.timedelta(hours=2)
    assert trend_rows(week, week, db=url)[1] == []  # the week is open: counted, not shown
    cells = TrendStore(url).cells(week, week)
    assert key(cells) == {(week, "legal_aid", "Jashore", 5, True), (week, "legal_aid", "Khulna", 4, True)}
    assert ConversationStore(url).purge(days=0) > 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    _, rows = trend_rows(week, week, db=url, now=after)  # finalised once the week is over
    assert key(rows) == {(week, "legal_aid", "Jashore", 5, False)}
    body = trends_text("en", week, db=url, now=after)
    assert "Legal aid: 5" in body and "Jashore 5" in body and "Khulna" not in body
    assert all(s not in dump_tables(url) for s in mine) and "jessore" not in dump_tables(url).lower()


# -- issue 15, finding 7: no differencing -----------------------------------------------------------------

def test_open_weeks_are_never_published() -> None:
    """A live count that changes between two reports (5, then 6) would tell that one more conversation
    asked in between: only finalised weeks are shown."""
    live = [Cell(WEEK, "trafficking", "Khulna", 9, partial=True), Cell(WEEK, "shelter", "Bhola", 12, partial=True)]
    assert publish(live, k=5) == []
    final = Cell(WEEK, "trafficking", "Khulna", 9)
    assert publish(live + [final], k=5) == [final]


def test_min_cell_below_five_is_refused_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    import backoffice.trends as trends

    cells = [Cell(WEEK, "trafficking", "Khulna", 3), Cell(WEEK, "trafficking", "Bhola", 1)]
    assert publish(cells, k=1) == [] and publish(cells, k=0) == []
    monkeypatch.setattr(trends, "content", lambda: {"min_cell": 2})
    assert trends.min_cell() == 5 and publish(cells) == []
    monkeypatch.setattr(trends, "content", lambda: {"min_cell": 8})
    assert trends.min_cell() == 8  # stricter settings are kept


async def test_a_week_counted_so_far_cannot_be_differenced(tracker: Tracker, tmp_path: Path) -> None:
    ts = at(WEEK + dt.timedelta(days=1))
    await tracker.crowd(5, "trafficking_info", "place:district:Khulna", ts)
    first = trend_rows(WEEK, WEEK, db=tracker.url, now=DURING)[1]
    await tracker.crowd(1, "trafficking_info", "place:district:Khulna", ts + 60)
    second = trend_rows(WEEK, WEEK, db=tracker.url, now=DURING + dt.timedelta(hours=1))[1]
    assert first == second == []  # nothing to subtract while the week is open
    for lang in ("en", "bn"):
        assert "Khulna" not in trends_text(lang, WEEK, db=tracker.url, now=DURING) \
            and "খুলনা" not in trends_text(lang, WEEK, db=tracker.url, now=DURING)
    csv_path, _, n = trends_report(WEEK, WEEK, tmp_path, db=tracker.url, now=DURING)
    assert n == 0 and csv_path.read_text(encoding="utf-8").count("\n") == 1  # the header only
    assert key(trend_rows(WEEK, WEEK, db=tracker.url, now=AFTER)[1]) == {(WEEK, "trafficking", "Khulna", 6, False)}
