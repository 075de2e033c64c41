"""SQLAlchemy models (1.4, 2.0-style). Tables are prefixed ``rd_`` so the directory can share a database
with the bot's other stores; Alembic keeps its own ``rd_alembic_version`` table for the same reason.

Schema changes go through a new migration in ``migrations/versions`` (tests compare the two).
"""
from __future__ import annotations

import json
from typing import Any, List, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

Base = declarative_base()

CATEGORY_CHECK = ("category IN ('shelter','legal_aid','social_protection','medical','counselling','police',"
                  "'helpline','tribunal')")


class TextList(TypeDecorator):
    """A list of strings stored as a JSON array in a TEXT column (portable across SQLite/PostgreSQL)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Optional[List[str]], dialect: Any) -> Optional[str]:
        return None if value is None else json.dumps(list(value), ensure_ascii=False)

    def process_result_value(self, value: Optional[str], dialect: Any) -> List[str]:
        return json.loads(value) if value else []


class Division(Base):
    __tablename__ = "rd_divisions"
    name_en = Column(String(64), primary_key=True)
    name_bn = Column(String(128), nullable=False)
    aliases = Column(Text, nullable=False, default="")  # '|'-separated
    lat = Column(Float)  # divisional HQ district point
    lon = Column(Float)
    coord_precision = Column(String(16))


class District(Base):
    __tablename__ = "rd_districts"
    name_en = Column(String(64), primary_key=True)
    name_bn = Column(String(128), nullable=False)
    division = Column(String(64), ForeignKey("rd_divisions.name_en"), nullable=False)
    aliases = Column(Text, nullable=False, default="")
    lat = Column(Float, nullable=False)  # DC office
    lon = Column(Float, nullable=False)
    coord_precision = Column(String(16), nullable=False, default="district")


class Upazila(Base):
    __tablename__ = "rd_upazilas"
    __table_args__ = (UniqueConstraint("district", "name_en", name="uq_rd_upazilas_district_name"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    district = Column(String(64), ForeignKey("rd_districts.name_en"), nullable=False)
    name_en = Column(String(96), nullable=False)
    name_bn = Column(String(192), nullable=False)
    aliases = Column(Text, nullable=False, default="")
    lat = Column(Float, nullable=False)  # own point, or the district's with precision 'district'
    lon = Column(Float, nullable=False)
    coord_precision = Column(String(16), nullable=False, default="district")


class Service(Base):
    __tablename__ = "rd_services"
    __table_args__ = (
        CheckConstraint(CATEGORY_CHECK, name="ck_rd_services_category"),
        CheckConstraint("coord_precision IS NULL OR coord_precision IN ('exact','upazila','district')",
                        name="ck_rd_services_precision"),
        ForeignKeyConstraint(["district", "upazila"], ["rd_upazilas.district", "rd_upazilas.name_en"],
                             name="fk_rd_services_upazila"),
        # nearest(), small radius: equality on category/verified, cell IN (...); covering (no table reads)
        Index("ix_rd_services_cell", "category", "verified", "cell", "lat", "lon", "id"),
        Index("ix_rd_services_cell_any", "verified", "cell", "lat", "lon", "id"),
        # nearest(), large radius: range on lat, lon filtered inside the index
        Index("ix_rd_services_nearest", "category", "verified", "lat", "lon"),
        Index("ix_rd_services_geo", "verified", "lat", "lon"),
        Index("ix_rd_services_nationwide", "nationwide", "category", "verified"),
        Index("ix_rd_services_district", "district", "category"),
        Index("ix_rd_services_name", "name_en"),
    )
    id = Column(String(96), primary_key=True)
    name_en = Column(Text, nullable=False)
    name_bn = Column(Text)
    category = Column(String(32), nullable=False)
    division = Column(String(64), ForeignKey("rd_divisions.name_en"))
    district = Column(String(64), ForeignKey("rd_districts.name_en"))
    upazila = Column(String(96))
    nationwide = Column(Boolean, nullable=False, default=False)  # "ALL" districts (e.g. every police station)
    address = Column(Text)
    phones = Column(TextList, nullable=False, default=list)
    hours = Column(Text)
    lat = Column(Float)
    lon = Column(Float)
    coord_precision = Column(String(16))
    cell = Column(Integer)  # geo.cell_of(lat, lon): 0.1-degree grid cell, for the nearest() prefilter
    serves = Column(String(32), nullable=False, default="everyone")  # children|women|everyone, '|'-joined
    source = Column(Text, nullable=False)
    verified = Column(Boolean, nullable=False, default=False)  # a citable source states it (users see only these)
    listed_on = Column(Date)  # when the source was published or read: NOT a confirmation
    confirmed_on = Column(Date)  # when staff last confirmed the contact by phone or visit; NULL: never
    notes = Column(Text)
    updated_at = Column(DateTime, nullable=False, server_default=func.now())


class Hotline(Base):
    __tablename__ = "rd_hotlines"
    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(20))  # NULL when the source withholds it
    name_en = Column(Text, nullable=False)
    name_bn = Column(Text)
    operator = Column(Text)
    purpose = Column(Text)
    hours = Column(Text)
    status_notes = Column(Text)
    source = Column(Text, nullable=False)
    verified = Column(Boolean, nullable=False, default=False)
    current = Column(Boolean, nullable=False, default=False)


class ServiceHistory(Base):
    """One changed field of one service, per import (``field='added'`` for a new row). No foreign key to
    rd_services on purpose: the audit trail must outlive the row. ``changed_by`` is an opaque staff id
    (a keyed hash from the bot, or what ``--by`` gave the CLI), never a name; ``changed_at`` is UTC."""

    __tablename__ = "rd_service_history"
    __table_args__ = (
        Index("ix_rd_service_history_service", "service_id", "changed_at"),
        Index("ix_rd_service_history_at", "changed_at"),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(String(96), nullable=False)
    field = Column(String(32), nullable=False)
    old_value = Column(Text)
    new_value = Column(Text)
    changed_by = Column(String(128))
    changed_at = Column(DateTime, nullable=False)  # naive UTC (portable across SQLite/PostgreSQL)


class Meta(Base):
    """Key/value facts about the database itself (e.g. when and from what it was seeded)."""

    __tablename__ = "rd_meta"
    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)
