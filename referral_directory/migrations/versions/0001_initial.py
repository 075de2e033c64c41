"""Initial schema: gazetteer, services, hotlines, meta.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

CATEGORY_CHECK = ("category IN ('shelter','legal_aid','social_protection','medical','counselling','police',"
                  "'helpline','tribunal')")


def upgrade() -> None:
    op.create_table(
        "rd_divisions",
        sa.Column("name_en", sa.String(64), primary_key=True),
        sa.Column("name_bn", sa.String(128), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("coord_precision", sa.String(16)),
    )
    op.create_table(
        "rd_districts",
        sa.Column("name_en", sa.String(64), primary_key=True),
        sa.Column("name_bn", sa.String(128), nullable=False),
        sa.Column("division", sa.String(64), sa.ForeignKey("rd_divisions.name_en"), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("coord_precision", sa.String(16), nullable=False),
    )
    op.create_table(
        "rd_upazilas",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("district", sa.String(64), sa.ForeignKey("rd_districts.name_en"), nullable=False),
        sa.Column("name_en", sa.String(96), nullable=False),
        sa.Column("name_bn", sa.String(192), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("coord_precision", sa.String(16), nullable=False),
        sa.UniqueConstraint("district", "name_en", name="uq_rd_upazilas_district_name"),
    )
    op.create_table(
        "rd_services",
        sa.Column("id", sa.String(96), primary_key=True),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_bn", sa.Text()),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("division", sa.String(64), sa.ForeignKey("rd_divisions.name_en")),
        sa.Column("district", sa.String(64), sa.ForeignKey("rd_districts.name_en")),
        sa.Column("upazila", sa.String(96)),
        sa.Column("nationwide", sa.Boolean(), nullable=False),
        sa.Column("address", sa.Text()),
        sa.Column("phones", sa.Text(), nullable=False),
        sa.Column("hours", sa.Text()),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("coord_precision", sa.String(16)),
        sa.Column("cell", sa.Integer()),
        sa.Column("serves", sa.String(32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_on", sa.Date()),
        sa.Column("notes", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(CATEGORY_CHECK, name="ck_rd_services_category"),
        sa.CheckConstraint("coord_precision IS NULL OR coord_precision IN ('exact','upazila','district')",
                           name="ck_rd_services_precision"),
        sa.ForeignKeyConstraint(["district", "upazila"], ["rd_upazilas.district", "rd_upazilas.name_en"],
                                name="fk_rd_services_upazila"),
    )
    op.create_index("ix_rd_services_cell", "rd_services", ["category", "verified", "cell", "lat", "lon", "id"])
    op.create_index("ix_rd_services_cell_any", "rd_services", ["verified", "cell", "lat", "lon", "id"])
    op.create_index("ix_rd_services_nearest", "rd_services", ["category", "verified", "lat", "lon"])
    op.create_index("ix_rd_services_geo", "rd_services", ["verified", "lat", "lon"])
    op.create_index("ix_rd_services_nationwide", "rd_services", ["nationwide", "category", "verified"])
    op.create_index("ix_rd_services_district", "rd_services", ["district", "category"])
    op.create_index("ix_rd_services_name", "rd_services", ["name_en"])
    op.create_table(
        "rd_hotlines",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(20)),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_bn", sa.Text()),
        sa.Column("operator", sa.Text()),
        sa.Column("purpose", sa.Text()),
        sa.Column("hours", sa.Text()),
        sa.Column("status_notes", sa.Text()),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "rd_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("rd_meta", "rd_hotlines"):
        op.drop_table(table)
    for ix in ("ix_rd_services_name", "ix_rd_services_district", "ix_rd_services_nationwide", "ix_rd_services_geo",
               "ix_rd_services_nearest", "ix_rd_services_cell_any", "ix_rd_services_cell"):
        op.drop_index(ix, table_name="rd_services")
    for table in ("rd_services", "rd_upazilas", "rd_districts", "rd_divisions"):
        op.drop_table(table)
