"""Nearest services: bounding-box prefilter with an expanding radius, then exact haversine on the few
candidates. Small radii read the 0.1-degree grid cells under the box (``cell IN (...)`` on a covering
index); larger radii read a latitude band of the (category, verified, lat, lon) index.

Why it is correct: the box encloses the circle of the current radius, so every service within that
radius is among the candidates; once ``limit`` candidates lie inside the circle, nothing outside the
box can beat them. Otherwise the radius grows (x3) up to 1,000 km, then a plain scan of the category.
Services whose point is only their district HQ (precision 'district') rank by the distance to that HQ,
and the precision is carried into every result so callers can say "in Jashore district" not "0 km".
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from . import geo
from .models import Service
from .places import Place, Point

START_RADIUS_KM = 10.0
GROWTH = 3.0
MAX_RADIUS_KM = 1000.0
NEAR_KM = 50.0
CELL_RADIUS_KM = 40.0  # up to here query grid cells (<= ~100 of them), beyond it a lat band


@dataclass(frozen=True)
class ServiceResult:
    id: str
    name_en: str
    name_bn: Optional[str]
    category: str
    division: Optional[str]
    district: Optional[str]
    upazila: Optional[str]
    address: Optional[str]
    phones: List[str]
    hours: Optional[str]
    serves: str
    lat: Optional[float]
    lon: Optional[float]
    coord_precision: Optional[str]
    distance_km: Optional[float]
    verified: bool  # a citable source states it (user-facing results hold only these)
    listed_on: Optional[dt.date]  # when the source was published or read
    confirmed_on: Optional[dt.date]  # when staff last confirmed it by phone or visit; None: nobody has
    source: str
    notes: Optional[str]
    nationwide: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id, "name": self.name_en, "name_bn": self.name_bn, "category": self.category,
            "division": self.division, "district": self.district, "upazila": self.upazila,
            "address": self.address, "phones": list(self.phones), "hours": self.hours, "serves": self.serves,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "coord_precision": self.coord_precision, "nationwide": self.nationwide, "verified": self.verified,
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "confirmed_on": self.confirmed_on.isoformat() if self.confirmed_on else None, "source": self.source,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class NearestResult:
    """``results``: nearest first. ``nationwide``: services with no single location that cover every
    district (e.g. the Child Affairs Desk at any police station). ``widened``: nothing was within
    ``near_km``, so the results are farther - callers should say how far."""

    origin: Union[Place, Point]
    outside: bool
    category: Optional[str]
    results: List[ServiceResult] = field(default_factory=list)
    nationwide: List[ServiceResult] = field(default_factory=list)
    widened: bool = False
    near_km: float = NEAR_KM
    staff: bool = False

    def to_dict(self) -> Dict[str, Any]:
        origin = self.origin.to_dict()
        origin["type"] = "place" if isinstance(self.origin, Place) else "point"
        return {"origin": origin, "outside": self.outside, "category": self.category, "staff": self.staff,
                "widened": self.widened, "near_km": self.near_km,
                "results": [r.to_dict() for r in self.results],
                "nationwide": [r.to_dict() for r in self.nationwide]}


def _result(row: Any, distance: Optional[float]) -> ServiceResult:
    return ServiceResult(
        row.id, row.name_en, row.name_bn, row.category, row.division, row.district, row.upazila, row.address,
        list(row.phones or []), row.hours, row.serves, row.lat, row.lon, row.coord_precision, distance,
        bool(row.verified), row.listed_on, row.confirmed_on, row.source, row.notes, bool(row.nationwide))


@functools.lru_cache(maxsize=None)
def _statements(by_category: bool, staff: bool) -> dict:
    """Prebuilt statements with bound parameters (building a select costs more than running it)."""
    t = Service.__table__
    conds = [t.c.verified.in_([True, False]) if staff else t.c.verified == True]  # noqa: E712
    if by_category:
        conds.insert(0, t.c.category == bindparam("category"))
    cells = select(t.c.id, t.c.lat, t.c.lon).where(*conds, t.c.cell.in_(bindparam("cells", expanding=True)))
    box = select(t.c.id, t.c.lat, t.c.lon).where(
        *conds, t.c.lat.between(bindparam("lat_lo"), bindparam("lat_hi")),
        t.c.lon.between(bindparam("lon_lo"), bindparam("lon_hi")))
    scan = select(t.c.id, t.c.lat, t.c.lon).where(*conds, t.c.lat.isnot(None), t.c.lon.isnot(None))
    # the chosen rows plus the nationwide ones of the category, in one round trip
    details = select(t).where(or_(t.c.id.in_(bindparam("ids", expanding=True)),
                                  and_(*conds, t.c.nationwide == True)))  # noqa: E712
    return {"cells": cells, "box": box, "scan": scan, "details": details}


def nearest_ids(conn: Connection, lat: float, lon: float, category: Optional[str], limit: int,
                staff: bool = False) -> List[tuple]:
    """[(distance_km, id)] of the ``limit`` nearest located services, nearest first."""
    stmts = _statements(category is not None, staff)
    params = {"category": category} if category is not None else {}
    radius = START_RADIUS_KM
    while True:
        lo_lat, hi_lat, lo_lon, hi_lon = geo.bbox(lat, lon, radius)
        if radius <= CELL_RADIUS_KM:  # a handful of grid cells: index seeks, no band scan
            cells = geo.cells_for_bbox(lo_lat, hi_lat, lo_lon, hi_lon)
            rows = conn.execute(stmts["cells"], {**params, "cells": cells})
        else:
            rows = conn.execute(stmts["box"], {**params, "lat_lo": lo_lat, "lat_hi": hi_lat, "lon_lo": lo_lon,
                                               "lon_hi": hi_lon})
        scored = sorted((geo.haversine_km(lat, lon, a, b), i) for i, a, b in rows)
        inside = [s for s in scored if s[0] <= radius]
        if len(inside) >= limit:
            return inside[:limit]
        if radius >= MAX_RADIUS_KM:
            break
        radius = min(radius * GROWTH, MAX_RADIUS_KM)
    rows = conn.execute(stmts["scan"], params)
    return sorted((geo.haversine_km(lat, lon, a, b), i) for i, a, b in rows)[:limit]


def nearest(conn: Connection, origin: Union[Place, Point], category: Optional[str] = None, limit: int = 3,
            staff: bool = False, near_km: float = NEAR_KM) -> NearestResult:
    """Nearest services of a category (all categories when None). User-facing unless ``staff``:
    unverified rows are then left out entirely; staff see them, marked verified=False."""
    lat, lon = origin.lat, origin.lon
    outside = False if isinstance(origin, Place) else not geo.inside_bangladesh(lat, lon)
    top = nearest_ids(conn, lat, lon, category, max(0, limit), staff)
    params = {"ids": [i for _, i in top]}
    if category is not None:
        params["category"] = category
    rows = conn.execute(_statements(category is not None, staff)["details"], params).all()
    by_id = {r.id: r for r in rows}
    # re-check verification on the fetched rows: a concurrent import may have changed them
    results = [_result(by_id[i], d) for d, i in top if i in by_id and (staff or by_id[i].verified)]
    national = sorted((_result(r, None) for r in rows if r.nationwide and (staff or r.verified)
                       and (category is None or r.category == category)), key=lambda r: r.name_en)
    widened = not results or results[0].distance_km > near_km
    return NearestResult(origin, outside, category, results, national, widened, near_km, staff)
