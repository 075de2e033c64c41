"""Alembic environment for the referral directory.

The database URL comes from the code (``referral_directory.db.database_url()``: DATABASE_URL or the
SQLite default), or from a connection handed over by ``db.migrate()``; never from a path in alembic.ini,
so migrations work from any working directory:
    python -m alembic -c referral_directory/alembic.ini upgrade head
"""
import sys
from pathlib import Path

from alembic import context

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # project root, for CLI use

from referral_directory import db  # noqa: E402
from referral_directory.models import Base  # noqa: E402

config = context.config
VERSION_TABLE = "rd_alembic_version"


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url") or db.database_url(),
                      target_metadata=Base.metadata, version_table=VERSION_TABLE, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = db.make_engine(config.get_main_option("sqlalchemy.url") or db.database_url())
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
