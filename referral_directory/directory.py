"""The ``Directory`` facade: one object for resolution, nearest services, hotlines, import/export, stats."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO, Union

from sqlalchemy import select
from sqlalchemy.engine import Engine

from . import categories, db, importer, upkeep
from . import gazetteer as gz
from .models import Hotline, Service
from .nearest import NearestResult, ServiceResult, _result, nearest
from .places import Place, Point, Resolution
from .resolve import resolve_text


class PlaceNotResolved(LookupError):
    """``nearest`` was given text that did not resolve to exactly one place; ``.resolution`` says why."""

    def __init__(self, resolution: Resolution):
        super().__init__(f"{resolution.text!r}: {resolution.status}")
        self.resolution = resolution


@dataclass(frozen=True)
class HotlineResult:
    number: Optional[str]
    name_en: str
    name_bn: Optional[str]
    operator: Optional[str]
    purpose: Optional[str]
    hours: Optional[str]
    source: str
    verified: bool
    current: bool
    status_notes: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


class Directory:
    """Referral directory over one database. Thread-safe for reads (one engine, pooled connections)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, database_url: Optional[str] = None, *, seed: bool = True) -> "Directory":
        """Open (migrating to head and seeding on first use) the directory at database_url, else
        DATABASE_URL, else var/referral.db under the project root."""
        engine = db.make_engine(database_url)
        db.prepare(engine, seed=seed)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Directory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- places ---------------------------------------------------------------------------------------
    @staticmethod
    def resolve(text: str) -> Resolution:
        """Free text -> place; needs no database (see referral_directory.resolve)."""
        return resolve_text(text)

    # -- services -------------------------------------------------------------------------------------
    def nearest(self, origin: Union[Place, Point, str], category: Optional[str] = None, limit: int = 3,
                staff: bool = False, near_km: float = 50.0) -> NearestResult:
        """Nearest services to a place or point. User-facing by default: only verified rows (with their
        verified phones). ``staff=True`` adds unverified rows, marked verified=False.
        A string origin is resolved first; PlaceNotResolved if it is not exactly one place."""
        if isinstance(origin, str):
            res = resolve_text(origin)
            if not res.found:
                raise PlaceNotResolved(res)
            origin = res.place
        if category is not None and category not in categories.CATEGORIES:
            mapped = categories.canonical(category)
            if mapped is None:
                raise ValueError(f"unknown category {category!r}; use one of {', '.join(categories.CATEGORIES)}")
            category = mapped
        with self.engine.connect() as conn:
            return nearest(conn, origin, category, limit, staff, near_km)

    def service(self, service_id: str, staff: bool = False) -> Optional[ServiceResult]:
        t = Service.__table__
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == service_id)).first()
        if row is None or (not staff and not row.verified):
            return None
        return _result(row, None)

    def hotlines(self, staff: bool = False) -> List[HotlineResult]:
        """User-facing hotlines: verified AND current AND with a number. Staff see every row."""
        t = Hotline.__table__
        stmt = select(t).order_by(t.c.id)
        if not staff:
            stmt = stmt.where(t.c.verified == True, t.c.current == True, t.c.number.isnot(None))  # noqa: E712
        with self.engine.connect() as conn:
            return [HotlineResult(r.number, r.name_en, r.name_bn, r.operator, r.purpose, r.hours, r.source,
                                  bool(r.verified), bool(r.current), r.status_notes) for r in conn.execute(stmt)]

    # -- data management ------------------------------------------------------------------------------
    def import_csv(self, path: Union[str, Path], dry_run: bool = False, listed_on: Optional[dt.date] = None,
                   changed_by: Optional[str] = None) -> importer.ImportReport:
        """Validate every row, then upsert all of them in one transaction (or nothing), recording each
        added/changed row in the history as ``changed_by`` (an opaque staff id, never a name).
        ``listed_on``: when the source was read, for verified rows that have no such date (never a
        confirmation date: only a person who phoned or visited gives one). Report: added, changed,
        unchanged, ok."""
        return importer.import_file(self.engine, Path(path), dry_run, listed_on, changed_by)

    def export_csv(self, fh: TextIO) -> int:
        """Every service in the import format (re-importing it unchanged changes nothing); returns rows."""
        with self.engine.connect() as conn:
            return importer.export_csv(conn, fh)

    def history(self, service_id: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
        """Changes made by imports, newest first (see referral_directory.upkeep.history)."""
        with self.engine.connect() as conn:
            return upkeep.history(conn, service_id, limit)

    def stale(self, today: Optional[dt.date] = None, months: int = 12) -> List[Dict[str, Any]]:
        """Entries not verified in the last ``months`` months, with the reason (see upkeep.stale)."""
        with self.engine.connect() as conn:
            return upkeep.stale(conn, today, months)

    def coverage(self) -> Dict[str, Any]:
        """District x category coverage by verified services, and the gaps (see upkeep.coverage)."""
        with self.engine.connect() as conn:
            return upkeep.coverage(conn)

    def stats(self) -> Dict[str, Any]:
        """Counts per category and district, and the districts with no verified service per category
        (a verified nationwide service, e.g. every police station's desk, covers every district)."""
        g = gz.load()
        with self.engine.connect() as conn:
            rows = upkeep.service_counts(conn)
        by_cat: Dict[str, Dict[str, int]] = {c: {"total": 0, "verified": 0} for c in categories.CATEGORIES}
        by_dist: Dict[str, Dict[str, int]] = {}
        covered = upkeep.covered_districts(rows)
        total = verified = 0
        for cat, dist, ver, nationwide, n in rows:
            total += n
            verified += n if ver else 0
            by_cat[cat]["total"] += n
            by_cat[cat]["verified"] += n if ver else 0
            key = "ALL" if nationwide else (dist or "(none)")
            d = by_dist.setdefault(key, {"total": 0, "verified": 0})
            d["total"] += n
            d["verified"] += n if ver else 0
        gaps = {c: sorted(set(g.districts) - covered[c]) for c in categories.CATEGORIES}
        return {"total": total, "verified": verified, "by_category": by_cat,
                "by_district": dict(sorted(by_dist.items())), "districts_without_verified": gaps}
