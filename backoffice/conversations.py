"""Deleting what Rasa keeps: one user's conversation (/forget, /exit) and everything older than the
retention period. Works on Rasa's SQL tracker store (its `events` table), SQLite by default.

Run the retention purge by hand with `python -m backoffice.conversations purge` (the Telegram bot also runs
it every hour).
"""
from __future__ import annotations

import argparse
import logging
import os
import time
from functools import lru_cache

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from backoffice.trends import TrendStore
from contract.paths import tracker_db_url

logger = logging.getLogger(__name__)
TRACKER_DB_URL = tracker_db_url()
RETENTION_DAYS = float(os.environ.get("RETENTION_DAYS", "30"))


class ConversationStore:
    def __init__(self, url: str = TRACKER_DB_URL) -> None:
        self.engine: Engine = create_engine(url, future=True)

    def _has_events(self) -> bool:
        return inspect(self.engine).has_table("events")

    def forget(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; returns how many were deleted. Its entries in
        the trends' open weeks go too (docs/trends.md); finalised weeks hold only counts."""
        deleted = 0
        if self._has_events():
            with self.engine.begin() as conn:
                deleted = conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender_id}).rowcount
        TrendStore(self.engine).forget(sender_id)
        return deleted

    def purge(self, days: float = RETENTION_DAYS) -> int:
        """Delete events older than ``days`` days; returns how many were deleted. Counts the anonymous
        trends first (backoffice/trends.py), so they outlive the conversations; a failing rollup never stops
        the purge (privacy comes first)."""
        try:
            TrendStore(self.engine).rollup()
        except Exception as exc:  # noqa: BLE001 - retention must run whatever the trends code does
            logger.error("trends rollup failed (%s); purging anyway", type(exc).__name__)
            logger.debug("trends rollup failure", exc_info=True)
        if not self._has_events():
            return 0
        cutoff = time.time() - days * 86400
        with self.engine.begin() as conn:
            deleted = conn.execute(text("DELETE FROM events WHERE timestamp < :c"), {"c": cutoff}).rowcount
        logger.info("retention: deleted %d events older than %s days", deleted, days)
        return deleted


@lru_cache(maxsize=1)
def store() -> ConversationStore:
    return ConversationStore()


def main() -> None:
    parser = argparse.ArgumentParser(description="Delete stored conversations older than the retention period.")
    parser.add_argument("command", choices=["purge"])
    parser.add_argument("--days", type=float, default=RETENTION_DAYS, help=f"default: RETENTION_DAYS ({RETENTION_DAYS:g})")
    args = parser.parse_args()
    print(f"Deleted {store().purge(args.days)} events older than {args.days:g} days.")


if __name__ == "__main__":
    main()
