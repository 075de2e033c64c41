"""Two honest dates on a service: ``listed_on`` (when the source was published or read) and
``confirmed_on`` (when staff last confirmed the contact by phone or visit), instead of ``verified_on``.

``verified_on`` only ever held the date a source was read (seeding gave every sourced row the month the
list was compiled), so its values move to ``listed_on``; nobody has confirmed anything yet, so
``confirmed_on`` starts NULL. Batch mode, so SQLite (which cannot drop a column in place) works too.

Revision ID: 0003_listed_and_confirmed
Revises: 0002_service_history
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_listed_and_confirmed"
down_revision = "0002_service_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rd_services") as batch:
        batch.add_column(sa.Column("listed_on", sa.Date()))
        batch.add_column(sa.Column("confirmed_on", sa.Date()))
    op.execute("UPDATE rd_services SET listed_on = verified_on")
    with op.batch_alter_table("rd_services") as batch:
        batch.drop_column("verified_on")


def downgrade() -> None:
    """Back to one date: the listing date (a confirmation date, if any, is newer but would claim more
    than verified_on ever meant, so it is dropped)."""
    with op.batch_alter_table("rd_services") as batch:
        batch.add_column(sa.Column("verified_on", sa.Date()))
    op.execute("UPDATE rd_services SET verified_on = listed_on")
    with op.batch_alter_table("rd_services") as batch:
        batch.drop_column("confirmed_on")
        batch.drop_column("listed_on")
