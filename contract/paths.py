"""Where local data lives: VAR_DIR (secrets, logs, SQLite databases) and the tracker store's database."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


def tracker_db_url() -> str:
    """Rasa's conversations (its `events` table): TRACKER_DB_URL, default SQLite var/tracker.db. Rasa's
    tracker store writes there, the bot deletes from there (/forget, retention) and reads trends."""
    var = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    return os.environ.get("TRACKER_DB_URL") or f"sqlite:///{var / 'tracker.db'}"
