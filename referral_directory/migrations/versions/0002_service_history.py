"""Service change history (one row per changed field per import; 'added' for new rows).

Revision ID: 0002_service_history
Revises: 0001_initial
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_service_history"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rd_service_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(96), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("changed_by", sa.String(128)),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_rd_service_history_service", "rd_service_history", ["service_id", "changed_at"])
    op.create_index("ix_rd_service_history_at", "rd_service_history", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_rd_service_history_at", table_name="rd_service_history")
    op.drop_index("ix_rd_service_history_service", table_name="rd_service_history")
    op.drop_table("rd_service_history")
