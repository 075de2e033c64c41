"""Rasa's SQL tracker store, configured from the environment and with a validated in-memory cache.

Why: profiling the REST webhook under load (py-spy, 60 messages/s) showed the stock SQLTrackerStore
taking about a third of the Rasa server's time: every message re-reads and re-parses the whole
conversation, counts the stored rows again before saving, and SQLite waits for an fsync on every
commit. This store keeps Rasa's table and behaviour and changes three things:

1. The database comes from TRACKER_DB_URL (the same variable the bot uses to delete conversations),
   default SQLite var/tracker.db; e.g. postgresql://rasa@db:5432/rasa for several Rasa replicas.
2. Trackers are cached per conversation (TRACKER_CACHE_SIZE, default 2000, 0 = off). A cached tracker
   is used only if the database still holds exactly what it was built from: the highest event id
   and the number of events of the conversation are checked with one indexed query per message.
   So /forget, the retention purge and another replica's writes are always seen. Replicas must
   share a lock store (Redis) so one conversation is never processed in two places at once.
   A cached tracker holds the conversation's text, so it must not outlive what the database keeps:
   every TRACKER_CACHE_SWEEP_S (default 10) a sweep drops the trackers whose stored events changed
   or went (/forget, /exit, the retention purge) and those idle for TRACKER_CACHE_IDLE_S (default 900)
   (security review, finding 8).
3. A shared GPS position is kept no finer than about 1 km (referral_directory.places.coarsen_positions):
   the action that answered the message has used the exact point by the time Rasa saves the turn, so
   the new events' metadata and slot values are rounded before they are stored, in the database and
   in the cache alike (security review, finding 2).
4. SQLite runs in WAL mode with synchronous=NORMAL: readers don't block the writer, and a commit
   no longer waits for the disk (a power cut can lose the last moments; a crash of Rasa cannot).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from contract.paths import tracker_db_url
from referral_directory.places import coarsen_positions

logger = logging.getLogger(__name__)

Stamp = Tuple[Optional[int], int]  # (highest event id, number of events) of one conversation


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore from TRACKER_DB_URL with a per-conversation cache checked against the database."""

    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None, url: Optional[Text] = None,
                 cache_size: Optional[int] = None, **kwargs: Any) -> None:
        # Rasa passes an endpoints.yml `url:` as `host`; either may hold a full database URL.
        parsed = make_url(url or host or tracker_db_url())
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain, dialect=parsed.drivername, host=parsed.host, port=parsed.port,
                         db=parsed.database, username=parsed.username, password=parsed.password,
                         query=dict(parsed.query) or None, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Rasa's engine opens a new SQLite connection per session; keep a small pool instead.
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.QueuePool, pool_size=2,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        size = cache_size if cache_size is not None else os.environ.get("TRACKER_CACHE_SIZE", "2000")
        self.cache_size = int(size)
        self._cache: "OrderedDict[Text, Tuple[DialogueStateTracker, int, Stamp]]" = OrderedDict()
        table = self.SQLEvent.__table__
        self._stamp_query = sa.select(sa.func.max(table.c.id), sa.func.count(table.c.id)).where(
            table.c.sender_id == sa.bindparam("sender_id"))
        self._stamps_query = sa.select(table.c.sender_id, sa.func.max(table.c.id), sa.func.count(table.c.id)).where(
            table.c.sender_id.in_(sa.bindparam("senders", expanding=True))).group_by(table.c.sender_id)
        self.sweep_every = float(os.environ.get("TRACKER_CACHE_SWEEP_S", "10"))
        self.idle_limit = float(os.environ.get("TRACKER_CACHE_IDLE_S", "900"))
        self._used: dict = {}  # sender -> time.monotonic() of its last use
        self._sweeper: Optional[asyncio.Task] = None

    def _stamp(self, session: Any, sender_id: Text) -> Stamp:
        highest, count = session.execute(self._stamp_query, {"sender_id": sender_id}).one()
        return highest, count

    def _remember(self, tracker: DialogueStateTracker, stamp: Stamp) -> None:
        if self.cache_size <= 0:
            return
        self._cache[tracker.sender_id] = (tracker, len(tracker.events), stamp)
        self._cache.move_to_end(tracker.sender_id)
        self._used[tracker.sender_id] = time.monotonic()
        while len(self._cache) > self.cache_size:
            self._used.pop(self._cache.popitem(last=False)[0], None)

    def evict(self, sender_id: Text) -> None:
        self._cache.pop(sender_id, None)
        self._used.pop(sender_id, None)

    def sweep(self) -> int:
        """Drop the cached trackers that the database no longer backs exactly, or that sat idle too long;
        returns how many went."""
        now = time.monotonic()
        gone = [s for s in self._cache if now - self._used.get(s, 0.0) > self.idle_limit]
        senders = [s for s in self._cache if s not in gone]
        stored: dict = {}
        with self.session_scope() as session:
            for start in range(0, len(senders), 500):  # SQLite's bound-parameter limit
                rows = session.execute(self._stamps_query, {"senders": senders[start:start + 500]})
                stored.update({sender: (highest, count) for sender, highest, count in rows})
        for sender in senders:
            cached = self._cache.get(sender)
            # A conversation with no stored events is cached only before its first save: keep that one.
            if cached is not None and stored.get(sender, (None, 0)) != cached[2] and cached[2] != (None, 0):
                gone.append(sender)
        for sender in gone:
            self.evict(sender)
        return len(gone)

    def _start_sweeper(self) -> None:
        if (self._sweeper is None or self._sweeper.done()) and self.cache_size > 0 and self.sweep_every > 0:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_every)
            try:
                self.sweep()
            except Exception as exc:  # a database hiccup must not end the sweeping
                logger.warning("tracker cache sweep failed: %s", type(exc).__name__)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        if self.cache_size <= 0:
            return await super().retrieve(sender_id)
        self._start_sweeper()
        with self.session_scope() as session:
            stamp = self._stamp(session, sender_id)  # taken first: a later write only invalidates
        cached = self._cache.get(sender_id)
        if cached is not None:
            tracker, length, cached_stamp = cached
            if cached_stamp == stamp and len(tracker.events) == length:
                self._cache.move_to_end(sender_id)
                self._used[sender_id] = time.monotonic()
                return tracker
            self.evict(sender_id)  # changed elsewhere, or a turn failed before saving
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker, stamp)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        cached = self._cache.get(tracker.sender_id)
        with self.session_scope() as session:
            if cached is not None and cached[0] is tracker:
                stored, stamp = cached[1], cached[2]
            else:
                # Rasa's own rule for trackers it did not hand out: the current session's stored events.
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
                stamp = None
            new_events = list(itertools.islice(tracker.events, stored, None))
            for event in new_events:
                coarsen_stored_positions(event)
            rows = [self._row(tracker.sender_id, event) for event in new_events]
            session.add_all(rows)
            session.flush()
            if stamp is not None and rows:
                stamp = (rows[-1].id, stamp[1] + len(rows))
            elif stamp is None and self.cache_size > 0:
                stamp = self._stamp(session, tracker.sender_id)
            session.commit()
        await self.stream_events(tracker)  # with an event broker; the positions are already coarse
        # Kept across a new session too: SessionStarted resets the tracker's state in memory just as
        # reloading only the new session's events would.
        self._remember(tracker, stamp)

    def _row(self, sender_id: Text, event: Any) -> "SQLTrackerStore.SQLEvent":
        data = event.as_dict()
        return self.SQLEvent(sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                             intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                             action_name=data.get("name"), data=json.dumps(data))


def coarsen_stored_positions(event: Any) -> None:
    """Round the GPS positions an event carries (its metadata, also copied into a user event's parse data;
    a slot's value) before it is stored."""
    coarsen_positions(getattr(event, "metadata", None))
    coarsen_positions(getattr(event, "parse_data", None))
    if getattr(event, "type_name", None) == "slot":
        coarsen_positions(getattr(event, "value", None))
