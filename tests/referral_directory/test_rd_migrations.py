"""Migrations and seeding on SQLite and PostgreSQL: head matches the models, downgrade/upgrade works,
Alembic runs from any working directory, seeding is idempotent and safe with two processes at once."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, inspect, select

from referral_directory import Directory, Point, db
from referral_directory.models import Base, District, Division, Hotline, Meta, Service, Upazila
from tests.referral_directory.conftest import SHIPPED_SERVICES, SHIPPED_UNVERIFIED, SHIPPED_VERIFIED  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
TABLES = {"rd_divisions", "rd_districts", "rd_upazilas", "rd_services", "rd_hotlines", "rd_meta",
          "rd_alembic_version"}


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config()).get_current_head()


def counts(d: Directory) -> dict:
    with d.engine.connect() as conn:
        return {m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
                for m in (Division, District, Upazila, Service, Hotline, Meta)}


EXPECTED = {"rd_divisions": 8, "rd_districts": 64, "rd_upazilas": 495, "rd_services": SHIPPED_SERVICES, "rd_hotlines": 22,
            "rd_meta": 1}


def no_schema_drift(engine) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": "rd_alembic_version"})
        return compare_metadata(ctx, Base.metadata)


def check_database(url: str) -> None:
    d = Directory.open(url)
    try:
        assert TABLES <= set(inspect(d.engine).get_table_names())
        assert db.current_revision(d.engine) == head()
        assert counts(d) == EXPECTED
        assert no_schema_drift(d.engine) == []
        res = d.nearest(Point(23.16643, 89.2081126), "legal_aid", limit=2)
        assert res.results[0].name_en == "District Legal Aid Office, Jashore"
        assert all(r.verified for r in res.results)
    finally:
        d.close()
    d = Directory.open(url)  # second open: no re-seed, no duplicates
    try:
        assert counts(d) == EXPECTED
    finally:
        d.close()


def downgrade_and_upgrade(url: str) -> None:
    from alembic import command

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            command.downgrade(db.alembic_config(conn), "base")
            conn.commit()
        assert not (TABLES - {"rd_alembic_version"}) & set(inspect(engine).get_table_names())
        db.prepare(engine)
        assert db.current_revision(engine) == head()
        assert counts(Directory(engine)) == EXPECTED
    finally:
        engine.dispose()


def test_sqlite_migrate_seed_and_reopen(tmp_path):
    check_database(f"sqlite:///{tmp_path / 'm.db'}")


def test_sqlite_downgrade_then_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'dg.db'}"
    Directory.open(url).close()
    downgrade_and_upgrade(url)


def test_postgresql_migrate_seed_and_reopen(pg_database_factory):
    check_database(pg_database_factory())


def test_postgresql_downgrade_then_upgrade(pg_database_factory):
    url = pg_database_factory()
    Directory.open(url).close()
    downgrade_and_upgrade(url)


def test_postgresql_import_export_round_trip(pg_database_factory, tmp_path):
    d = Directory.open(pg_database_factory())
    try:
        out = tmp_path / "pg.csv"
        with open(out, "w", encoding="utf-8", newline="") as fh:
            d.export_csv(fh)
        rep = d.import_csv(out)
        assert rep.ok and rep.unchanged == SHIPPED_SERVICES
        assert d.stats()["total"] == SHIPPED_SERVICES
    finally:
        d.close()


OPEN_SNIPPET = (
    "import sys; sys.path.insert(0, {root!r});"
    "from referral_directory import Directory; d = Directory.open({url!r});"
    "from sqlalchemy import text;"
    "c = d.engine.connect(); print(c.execute(text('select count(*) from rd_services')).scalar()); c.close()"
)


def open_concurrently(url: str, n: int = 2) -> list:
    procs = [subprocess.Popen([PY, "-c", OPEN_SNIPPET.format(root=str(ROOT), url=url)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, e) in zip(procs, outs):
        assert p.returncode == 0, e
    return [o.strip() for o, _ in outs]


def assert_concurrent_first_open_seeds_once(url):
    assert open_concurrently(url) == [str(SHIPPED_SERVICES)] * 2
    d = Directory.open(url)
    try:
        assert counts(d) == EXPECTED
    finally:
        d.close()


def test_two_processes_open_a_new_sqlite_database_at_once(tmp_path):
    assert_concurrent_first_open_seeds_once(f"sqlite:///{tmp_path / 'race.db'}")


def test_two_processes_open_a_new_postgresql_database_at_once(pg_database_factory):
    assert_concurrent_first_open_seeds_once(pg_database_factory())


def test_alembic_cli_works_from_another_directory(tmp_path):
    target = tmp_path / "cli.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{target}", "PYTHONPATH": str(ROOT)}
    ini = ROOT / "referral_directory" / "alembic.ini"
    r = subprocess.run([PY, "-m", "alembic", "-c", str(ini), "upgrade", "head"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    engine = db.make_engine(f"sqlite:///{target}")
    try:
        assert db.current_revision(engine) == head()
    finally:
        engine.dispose()


def test_default_url_is_var_referral_db_under_the_project_root(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert db.database_url() == f"sqlite:///{ROOT / 'var' / 'referral.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/x")
    assert db.database_url() == "postgresql+psycopg2://postgres@127.0.0.1:5432/x"
    assert db.database_url("sqlite:///elsewhere.db") == "sqlite:///elsewhere.db"


def test_seed_marker_records_the_default_listing_date(shipped):
    import json

    with shipped.engine.connect() as conn:
        value = json.loads(conn.execute(select(Meta.value).where(Meta.key == "seeded")).scalar_one())
    assert value["listed_on_default"] == "2026-11-01"


def upgrade_from_0002_keeps_the_date_as_listed_on(url: str) -> None:
    """A directory at revision 0002 (one date, verified_on) upgrades to head: the date moves to listed_on
    (it was only ever when the source was read), confirmed_on is NULL (nobody has confirmed anything)."""
    from alembic import command
    from sqlalchemy import text

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            command.upgrade(db.alembic_config(conn), "0002_service_history")
            conn.commit()
        assert "verified_on" in {c["name"] for c in inspect(engine).get_columns("rd_services")}
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO rd_services (id, name_en, category, nationwide, phones, serves, source, verified, "
                "verified_on) VALUES "
                "('old-sourced', 'Old sourced shelter', 'shelter', :f, '[]', 'children', "
                "'https://www.example.org/old', :t, '2025-06-30'), "
                "('old-unsourced', 'Old unsourced shelter', 'shelter', :f, '[]', 'children', '', :f, NULL)"),
                {"t": True, "f": False})
        db.prepare(engine)  # what Directory.open does: migrate to head, seed (the gazetteer is empty: it seeds)
        assert db.current_revision(engine) == head()
        columns = {c["name"] for c in inspect(engine).get_columns("rd_services")}
        assert {"listed_on", "confirmed_on"} <= columns and "verified_on" not in columns
        d = Directory(engine)
        assert d.service("old-sourced").listed_on == dt.date(2025, 6, 30)
        assert d.service("old-sourced").confirmed_on is None
        unsourced = d.service("old-unsourced", staff=True)
        assert unsourced.listed_on is None and unsourced.confirmed_on is None
        assert no_schema_drift(engine) == []
        # downgrade to 0002 and up again: the listing date survives both ways
        with engine.connect() as conn:
            command.downgrade(db.alembic_config(conn), "0002_service_history")
            conn.commit()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT verified_on FROM rd_services WHERE id = 'old-sourced'")).scalar_one() \
                in (dt.date(2025, 6, 30), "2025-06-30")
        db.prepare(engine)
        assert Directory(engine).service("old-sourced").listed_on == dt.date(2025, 6, 30)
    finally:
        engine.dispose()


def test_sqlite_upgrade_from_0002_moves_verified_on_to_listed_on(tmp_path):
    upgrade_from_0002_keeps_the_date_as_listed_on(f"sqlite:///{tmp_path / 'v2.db'}")


def test_postgresql_upgrade_from_0002_moves_verified_on_to_listed_on(pg_database_factory):
    upgrade_from_0002_keeps_the_date_as_listed_on(pg_database_factory())
