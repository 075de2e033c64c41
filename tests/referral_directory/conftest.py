"""Fixtures for the referral directory tests: seeded SQLite copies under tmp_path (never var/referral.db)
and a throwaway PostgreSQL database per session (skipped, with the reason, if the server is unreachable)."""
from __future__ import annotations

import io
import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from referral_directory import Directory  # noqa: E402

PG_ADMIN_DSN = os.environ.get("RD_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL_TEMPLATE = os.environ.get("RD_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/{db}")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A migrated and seeded SQLite file, made once; tests copy it."""
    path = tmp_path_factory.mktemp("rd_template") / "template.db"
    d = Directory.open(sqlite_url(path))
    d.close()
    return path


@pytest.fixture(scope="session")
def shipped(seeded_template, tmp_path_factory):
    """A read-only Directory over the shipped data (shared by tests that do not write)."""
    path = tmp_path_factory.mktemp("rd_shipped") / "shipped.db"
    shutil.copy(seeded_template, path)
    d = Directory.open(sqlite_url(path))
    yield d
    d.close()


@pytest.fixture
def fresh(seeded_template, tmp_path):
    """A writable Directory over a private copy of the seeded database."""
    path = tmp_path / "fresh.db"
    shutil.copy(seeded_template, path)
    d = Directory.open(sqlite_url(path))
    yield d
    d.close()


def _pg_admin():
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_server():
    """Skip (with the reason) when PostgreSQL at 127.0.0.1:5432 cannot be reached."""
    try:
        conn = _pg_admin()
    except Exception as e:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (user postgres) unreachable: {e}".strip())
    conn.close()
    return True


@pytest.fixture(scope="session")
def pg_database_factory(pg_server):
    """Creates throwaway databases with unique names; drops them all at the end of the session."""
    created = []

    def make() -> str:
        name = f"rd_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        conn = _pg_admin()
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        created.append(name)
        return PG_URL_TEMPLATE.format(db=name)

    yield make
    conn = _pg_admin()
    with conn.cursor() as cur:
        for name in created:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(scope="session")
def pg_url(pg_database_factory) -> str:
    return pg_database_factory()


def run(*argv: str) -> tuple:
    """The CLI in-process: (exit code, stdout, stderr)."""
    from referral_directory.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def url(fresh) -> str:
    return str(fresh.engine.url)


# What the shipped directory holds: services.csv (225 rows, 83 with a source) plus, for every one of the 495
# upazilas, its Social Services Office and Women Affairs Office (referral_directory/upazila_offices.py; the
# Women Affairs Offices of the 4 newest upazilas stay unverified).
CSV_SERVICES, CSV_VERIFIED = 225, 83
UPAZILA_OFFICES, UPAZILA_OFFICES_VERIFIED = 990, 986
SHIPPED_SERVICES = CSV_SERVICES + UPAZILA_OFFICES
SHIPPED_VERIFIED = CSV_VERIFIED + UPAZILA_OFFICES_VERIFIED
SHIPPED_UNVERIFIED = SHIPPED_SERVICES - SHIPPED_VERIFIED
