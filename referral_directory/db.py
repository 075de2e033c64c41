"""Engine creation, migrations to head and first-run seeding, safe when two processes start at once.

Default database: SQLite file ``var/referral.db`` under the project root (found from this file's
location, not the working directory). ``DATABASE_URL`` overrides it, e.g.
``postgresql+psycopg2://postgres@127.0.0.1:5432/referral``.

Concurrency: migrations and seeding run under a lock - an exclusive ``flock`` on ``<db file>.lock``
for SQLite, ``pg_advisory_lock`` for PostgreSQL - so the second process waits, then finds the schema
at head and the seed marker in ``rd_meta`` and does nothing.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import QueuePool, StaticPool

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
ADVISORY_LOCK_KEY = 0x5244_4952  # "RDIR": the same key in every process that opens the directory


def default_sqlite_path() -> Path:
    return PROJECT_ROOT / "var" / "referral.db"


def database_url(url: Optional[str] = None) -> str:
    """The URL to use: the argument, else DATABASE_URL, else the SQLite file under var/ (created)."""
    url = url or os.environ.get("DATABASE_URL")
    if url:
        return url
    path = default_sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_file(url: str) -> Optional[Path]:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" or \
            u.database.startswith("file:"):
        return None
    return Path(u.database).resolve()


def make_engine(url: Optional[str] = None, **kwargs) -> Engine:
    """A 2.0-style engine; SQLite gets foreign keys on, WAL, a busy timeout and a thread-safe pool."""
    url = database_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("poolclass", QueuePool)
        else:
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, future=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if path is not None:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, future=True, **kwargs)


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection held under the cross-process migration lock for this database."""
    path = _sqlite_file(str(engine.url))
    if path is not None:
        import fcntl

        with open(str(path) + ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                with engine.connect() as conn:
                    yield conn
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                conn.commit()
        else:
            yield conn


def alembic_config(connection: Optional[Connection] = None):
    """Alembic Config pointing at the package's migrations (independent of the working directory)."""
    from alembic.config import Config

    cfg = Config(str(PACKAGE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(conn: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(conn), revision)
    conn.commit()


def current_revision(engine: Engine) -> Optional[str]:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": "rd_alembic_version"}).get_current_revision()


def prepare(engine: Engine, seed: bool = True) -> None:
    """Migrate to head and, on first run, seed from the shipped CSVs (under the cross-process lock)."""
    from . import seed as seeding

    with _locked(engine) as conn:
        upgrade(conn)
        if seed:
            seeding.seed_if_empty(conn)
            conn.commit()
