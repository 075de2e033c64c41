"""Anonymous weekly trends (topic x district x week) counted from Rasa's tracker store.

Why: staff need to see what children ask about, and where, after the retention purge has deleted the
conversations themselves. So the rollup keeps only counts, in its own tables in the tracker database,
and runs before every purge (backoffice.conversations.ConversationStore.purge). docs/trends.md says exactly
what is counted and stored.

While a week is open (until an hour after it ends, Asia/Dhaka time) each conversation is kept as a
keyed hash under a random key of that week only, so that a conversation is counted once per week even
when the purge deletes its events mid-week. When the week is finalised its counts are written to
``trend_weekly`` and the hashes and the key are deleted: what remains cannot be linked to anyone.

Small cells are suppressed at output only (``publish``): the tables keep exact counts, and every
report goes through ``publish``. It shows finalised weeks only: a live count that changes between two
reports (5, then 6) would tell that one more conversation asked in between. ``min_cell`` is at least
MIN_CELL_FLOOR (5) whatever content/trends.yml or a caller says.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional, Union

from sqlalchemy import (Column, Date, Float, Integer, MetaData, String, Table, and_, column, create_engine,
                        delete, func, inspect, or_, select, table, update)
from sqlalchemy.engine import Connection, Engine

from contract import location_slot
from contract.paths import ROOT
from contract.text import read_yaml
from referral_directory import gazetteer
from referral_directory.geo import district_at, valid_coordinates

logger = logging.getLogger(__name__)

CONTENT_FILE = ROOT / "content" / "trends.yml"
DHAKA = dt.timezone(dt.timedelta(hours=6), "Asia/Dhaka")  # no daylight saving time in Bangladesh
FINALISE_AFTER = dt.timedelta(hours=1)  # Rasa writes an event seconds after its timestamp; an hour is ample
UNKNOWN, ABROAD, OTHER = "unknown", "abroad", "other"
MIN_CELL_FLOOR = 5  # no setting may show a cell of fewer conversations

metadata = MetaData()
# One row per week that has been seen. `week_key` exists only while the week is open.
trend_week = Table(
    "trend_week", metadata,
    Column("week", Date, primary_key=True),          # the Monday (Asia/Dhaka) of the ISO week
    Column("status", String(8), nullable=False),     # "open" | "final"
    Column("week_key", String(64), nullable=True),   # random per week; set to NULL when final
)
# The result: exact counts, no ids, no text. Kept after the conversations are purged.
trend_weekly = Table(
    "trend_weekly", metadata,
    Column("week", Date, primary_key=True),
    Column("topic", String(64), primary_key=True),
    Column("district", String(64), primary_key=True),
    Column("conversations", Integer, nullable=False),
)
# Open weeks only (deleted at finalisation): which conversation (keyed hash) asked about which topic,
trend_open_topic = Table(
    "trend_open_topic", metadata,
    Column("week", Date, primary_key=True),
    Column("conv", String(32), primary_key=True),
    Column("topic", String(64), primary_key=True),
)
# ... and the conversation's latest district that week (seen_at orders the places given).
trend_open_place = Table(
    "trend_open_place", metadata,
    Column("week", Date, primary_key=True),
    Column("conv", String(32), primary_key=True),
    Column("district", String(64), nullable=False),
    Column("seen_at", Float, nullable=False),
)

# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py, SQLEvent): only the columns read here.
events = table("events", column("sender_id"), column("type_name"), column("timestamp"), column("intent_name"),
               column("action_name"), column("data"))


# -- content --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def content() -> dict:
    """content/trends.yml, NFC-normalised (labels are shown to staff in Bangla and English)."""
    return read_yaml(CONTENT_FILE)


def min_cell() -> int:
    """Smallest count that may be shown: content/trends.yml's ``min_cell``, never below MIN_CELL_FLOOR."""
    return max(MIN_CELL_FLOOR, int(content().get("min_cell", MIN_CELL_FLOOR)))


@lru_cache(maxsize=1)
def intent_topics() -> dict[str, str]:
    """intent -> topic. Intents not listed (small talk, new intents) are not counted."""
    mapping: dict[str, str] = {}
    for topic, spec in content()["topics"].items():
        for intent in spec["intents"]:
            if intent in mapping:
                raise ValueError(f"content/trends.yml: intent {intent} is in {mapping[intent]} and {topic}")
            mapping[intent] = topic
    return mapping


def topic_label(topic: str, lang: str = "en") -> str:
    """A topic's name; a key no longer in content/trends.yml (renamed) shows as itself."""
    spec = content()["topics"].get(topic)
    return spec[lang] if spec else topic


def district_label(district: str, lang: str = "en") -> str:
    special = content()["districts"].get(district)
    if special:
        return special[lang]
    return gazetteer.load().district_name(district, lang)


# -- weeks and places -----------------------------------------------------------------------------------

def week_of(when: Union[float, dt.datetime, dt.date]) -> dt.date:
    """The Monday (Asia/Dhaka date) of the ISO week holding ``when`` (epoch seconds, datetime or date)."""
    if isinstance(when, (int, float)):
        day = dt.datetime.fromtimestamp(when, DHAKA).date()
    elif isinstance(when, dt.datetime):
        day = (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).astimezone(DHAKA).date()
    else:
        day = when
    return day - dt.timedelta(days=day.weekday())


def week_start(week: dt.date) -> dt.datetime:
    """When the week begins: its Monday 00:00 in Dhaka."""
    return dt.datetime.combine(week, dt.time(0), DHAKA)


def week_end(week: dt.date) -> dt.datetime:
    """When the week ends: the next Monday 00:00 in Dhaka."""
    return week_start(week + dt.timedelta(days=7))


def is_final(week: dt.date, now: dt.datetime) -> bool:
    """Whether ``week`` is final at ``now``: an hour after it ends (the rule the rollup finalises by)."""
    return week_end(week) + FINALISE_AFTER <= now


def last_final_week(now: dt.datetime) -> dt.date:
    """The most recent week that is final at ``now`` (the week before the one an hour ago fell in)."""
    return week_of(now - FINALISE_AFTER) - dt.timedelta(days=7)


def district_of(slot_value: object) -> Optional[str]:
    """The district of a `location` slot value (contract/location_slot.py); None when it names no
    district (a division only, or a value this code does not know)."""
    slot = location_slot.parse(slot_value)
    if slot is None:
        return None
    if slot.kind == "point":
        if not valid_coordinates(slot.lat, slot.lon):
            return None
        return district_at(slot.lat, slot.lon) or ABROAD
    return slot.district if slot.district in gazetteer.load().districts else None


# -- storage --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One count: conversations that asked about ``topic`` in ``district`` during ``week``."""

    week: dt.date
    topic: str
    district: str
    conversations: int
    partial: bool = False  # the week is still open: counted so far


@dataclass
class RollupResult:
    events_read: int = 0
    weeks_updated: list[dt.date] = field(default_factory=list)
    weeks_finalised: list[dt.date] = field(default_factory=list)


def _insert(conn: Connection, tbl: Table):
    """INSERT with ON CONFLICT support (SQLite and PostgreSQL, the tracker stores this project uses)."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"trends: tracker store dialect {name!r} is not supported (SQLite, PostgreSQL)")
    return insert(tbl)


def _conv(key: str, sender_id: str) -> str:
    return hmac.new(key.encode(), sender_id.encode(), hashlib.sha256).hexdigest()[:32]


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per database URL and process, however often reports run."""
    return create_engine(url, future=True)


class TrendStore:
    """The trends tables, next to Rasa's `events` table in the tracker store database."""

    def __init__(self, db: Union[Engine, str]) -> None:
        self.engine: Engine = engine_for(db) if isinstance(db, str) else db
        self._ready = False

    def ensure_tables(self) -> None:
        if not self._ready:
            metadata.create_all(self.engine)
            self._ready = True

    # -- rollup -------------------------------------------------------------------------------------------

    def rollup(self, now: Optional[dt.datetime] = None) -> RollupResult:
        """Count the events still in the tracker store into the open weeks, then finalise the weeks that
        ended more than FINALISE_AFTER ago. Idempotent: re-reading the same events changes nothing."""
        now = now or dt.datetime.now(dt.timezone.utc)
        self.ensure_tables()
        result = RollupResult()
        if inspect(self.engine).has_table("events"):
            self._ingest(result)
        self._finalise(now, result)
        logger.info("trends: read %d events, updated %d weeks, finalised %d", result.events_read,
                    len(result.weeks_updated), len(result.weeks_finalised))
        return result

    def _horizon(self, conn: Connection) -> Optional[dt.date]:
        """The first week that is not final (weeks before it are closed for good)."""
        last_final = conn.execute(select(func.max(trend_week.c.week)).where(trend_week.c.status == "final")).scalar()
        return last_final + dt.timedelta(days=7) if last_final else None

    def _ingest(self, result: RollupResult) -> None:
        topics_of = intent_topics()
        with self.engine.connect() as conn:
            horizon = self._horizon(conn)
            query = select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.intent_name,
                           events.c.data).where(
                or_(and_(events.c.type_name == "user", events.c.intent_name.in_(sorted(topics_of))),
                    and_(events.c.type_name == "slot", events.c.action_name == "location")),
                events.c.timestamp.isnot(None))
            if horizon:
                query = query.where(events.c.timestamp >= week_start(horizon).timestamp())
            rows = conn.execute(query).all()
        result.events_read = len(rows)
        asked: dict[dt.date, set[tuple[str, str]]] = defaultdict(set)      # week -> {(sender, topic)}
        places: dict[dt.date, dict[str, tuple[float, str]]] = defaultdict(dict)  # week -> sender -> (ts, district)
        for sender, type_name, ts, intent, data in rows:
            week = week_of(ts)
            if horizon and week < horizon:
                continue
            if type_name == "user":
                asked[week].add((sender, topics_of[intent]))
                continue
            try:
                value = json.loads(data or "{}").get("value")
            except ValueError:
                continue
            district = district_of(value)
            if district is not None:
                seen = places[week].get(sender)
                if seen is None or (ts, district) > seen:
                    places[week][sender] = (ts, district)
        for week in sorted(set(asked) | set(places)):
            with self.engine.begin() as conn:
                key = self._open_week(conn, week)
                if key is None:  # finalised meanwhile by another process
                    continue
                topic_rows = [{"week": week, "conv": _conv(key, s), "topic": t} for s, t in asked.get(week, ())]
                if topic_rows:
                    conn.execute(_insert(conn, trend_open_topic).on_conflict_do_nothing(), topic_rows)
                place_rows = [{"week": week, "conv": _conv(key, s), "district": d, "seen_at": ts}
                              for s, (ts, d) in places.get(week, {}).items()]
                if place_rows:
                    ins = _insert(conn, trend_open_place)
                    p = trend_open_place.c
                    newer = or_(ins.excluded.seen_at > p.seen_at,
                                and_(ins.excluded.seen_at == p.seen_at, ins.excluded.district > p.district))
                    conn.execute(ins.on_conflict_do_update(
                        index_elements=[p.week, p.conv],
                        set_={"district": ins.excluded.district, "seen_at": ins.excluded.seen_at}, where=newer),
                        place_rows)
            result.weeks_updated.append(week)

    def _open_week(self, conn: Connection, week: dt.date) -> Optional[str]:
        """The week's key, created on first use; None if the week is already final."""
        conn.execute(_insert(conn, trend_week).on_conflict_do_nothing(),
                     {"week": week, "status": "open", "week_key": secrets.token_hex(32)})
        row = conn.execute(select(trend_week.c.status, trend_week.c.week_key).where(trend_week.c.week == week)).one()
        return row.week_key if row.status == "open" else None

    def _finalise(self, now: dt.datetime, result: RollupResult) -> None:
        with self.engine.connect() as conn:
            open_weeks = conn.execute(select(trend_week.c.week).where(trend_week.c.status == "open")).scalars().all()
        for week in sorted(open_weeks):
            if not is_final(week, now):
                continue
            with self.engine.begin() as conn:
                done = conn.execute(update(trend_week).where(trend_week.c.week == week, trend_week.c.status == "open")
                                    .values(status="final", week_key=None)).rowcount
                if not done:  # another process finalised it
                    continue
                cells = self._open_cells(conn, week)
                if cells:
                    conn.execute(trend_weekly.insert(), [{"week": c.week, "topic": c.topic, "district": c.district,
                                                          "conversations": c.conversations} for c in cells])
                conn.execute(delete(trend_open_topic).where(trend_open_topic.c.week == week))
                conn.execute(delete(trend_open_place).where(trend_open_place.c.week == week))
            result.weeks_finalised.append(week)

    # -- reading ------------------------------------------------------------------------------------------

    @staticmethod
    def _open_cells(conn: Connection, first: dt.date, last: Optional[dt.date] = None) -> list[Cell]:
        """Counts of open weeks, live: distinct conversations per (week, topic, district)."""
        t, p = trend_open_topic.c, trend_open_place.c
        district = func.coalesce(p.district, UNKNOWN)
        query = (select(t.week, t.topic, district, func.count(t.conv.distinct()))
                 .select_from(trend_open_topic.outerjoin(trend_open_place, and_(p.week == t.week, p.conv == t.conv)))
                 .where(t.week >= first, t.week <= (last or first))
                 .group_by(t.week, t.topic, district))
        return [Cell(w, topic, d, n, True) for w, topic, d, n in conn.execute(query)]

    def cells(self, first_week: dt.date, last_week: dt.date) -> list[Cell]:
        """Exact counts for the weeks from ``first_week`` to ``last_week`` (Mondays), final weeks from
        trend_weekly, open weeks live (partial=True). NOT for display: use ``publish`` on them."""
        self.ensure_tables()
        w = trend_weekly.c
        with self.engine.connect() as conn:
            final = [Cell(*row) for row in conn.execute(
                select(w.week, w.topic, w.district, w.conversations).where(w.week >= first_week, w.week <= last_week))]
            live = self._open_cells(conn, first_week, last_week)
        return sorted(final + live, key=lambda c: (c.week, c.topic, c.district))

    def forget(self, sender_id: str) -> int:
        """Remove one conversation from the open weeks (/forget). Final weeks hold only counts, in
        which no conversation can be found again."""
        if not inspect(self.engine).has_table("trend_week"):
            return 0
        removed = 0
        with self.engine.begin() as conn:
            for week, key in conn.execute(select(trend_week.c.week, trend_week.c.week_key)
                                          .where(trend_week.c.status == "open")):
                conv = _conv(key, sender_id)
                for tbl in (trend_open_topic, trend_open_place):
                    removed += conn.execute(delete(tbl).where(tbl.c.week == week, tbl.c.conv == conv)).rowcount
        return removed


# -- suppression ----------------------------------------------------------------------------------------

def publish(cells: Iterable[Cell], k: Optional[int] = None) -> list[Cell]:
    """The only cells any output may show. Finalised weeks only (open weeks change between reports, and
    the difference would single out conversations). Per (week, topic): districts with at least ``k``
    conversations; the rest added up into one OTHER cell if that sum is at least ``k``, else dropped.
    Every number shown is therefore a sum of at least ``k`` (never below MIN_CELL_FLOOR) conversations,
    and any total made by adding shown cells is a sum of shown cells only, so no suppressed cell can be
    worked out by subtraction."""
    k = max(MIN_CELL_FLOOR, min_cell() if k is None else k)
    groups: dict[tuple[dt.date, str], list[Cell]] = defaultdict(list)
    for c in cells:
        if not c.partial:
            groups[(c.week, c.topic)].append(c)
    out: list[Cell] = []
    for (week, topic), group in sorted(groups.items()):
        shown = sorted((c for c in group if c.conversations >= k), key=lambda c: (-c.conversations, c.district))
        rest = sum(c.conversations for c in group if c.conversations < k)
        out.extend(shown)
        if rest >= k:
            out.append(Cell(week, topic, OTHER, rest))
    return out
