"""First-run seeding from the shipped CSVs in data/ (gazetteer, services, hotlines).

Shipped services have no dates of their own: the list was compiled from its sources in November 2026
(SOURCES.md), so rows with a source (verified=yes) get ``listed_on = 2026-11-01``, the first day of the
month the list was compiled. That is when the source was read, not a confirmation: nobody has phoned or
visited these services, so ``confirmed_on`` stays NULL. Unverified rows get no date and are kept for staff.
Seeding runs once per database: a ``seeded`` row in rd_meta marks it (written in the same transaction).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from . import gazetteer as gz
from . import importer, phones, upazila_offices
from .models import District, Division, Hotline, Meta, Upazila

SHIPPED_LISTED_ON = dt.date(2026, 11, 1)  # the month the list was compiled from its sources, not a confirmation
SEED_FILES = ("divisions.csv", "districts.csv", "upazilas.csv", "upazila_pcodes.csv", "services.csv", "hotlines.csv",
              "upazila_office_types.csv", "upazila_office_phones.csv")


def data_fingerprint() -> str:
    h = hashlib.sha256()
    for name in SEED_FILES:
        h.update((gz.DATA_DIR / name).read_bytes())
    return h.hexdigest()[:16]


def seed_gazetteer(conn: Connection) -> None:
    g = gz.load()
    conn.execute(Division.__table__.insert(), [
        {"name_en": d.name_en, "name_bn": d.name_bn, "aliases": "|".join(d.aliases),
         "lat": (g.districts.get(d.name_en) or next(x for x in g.districts.values() if x.division == d.name_en)).lat,
         "lon": (g.districts.get(d.name_en) or next(x for x in g.districts.values() if x.division == d.name_en)).lon,
         "coord_precision": "district"} for d in g.divisions.values()])
    conn.execute(District.__table__.insert(), [
        {"name_en": d.name_en, "name_bn": d.name_bn, "division": d.division, "aliases": "|".join(d.aliases),
         "lat": d.lat, "lon": d.lon, "coord_precision": "district"} for d in g.districts.values()])
    rows = []
    for u in g.upazilas.values():
        lat, lon, precision = g.point_of(u.district, u.name_en)
        rows.append({"district": u.district, "name_en": u.name_en, "name_bn": u.name_bn,
                     "aliases": "|".join(u.aliases), "lat": lat, "lon": lon, "coord_precision": precision})
    conn.execute(Upazila.__table__.insert(), rows)


def hotline_rows() -> list:
    """Hotlines from data/hotlines.csv; numbers normalised (a '+880' number stays international)."""
    out = []
    for r in gz.read_csv("hotlines.csv"):
        raw = r["number"]
        number = None
        if raw:
            check = phones.normalise(raw)
            if not check.ok:
                raise ValueError(f"data/hotlines.csv: {check.problem}")
            number = phones.to_e164(check.national) if raw.startswith("+") else check.national
        out.append({"number": number, "name_en": r["name_en"], "name_bn": r["name_bn"] or None,
                    "operator": r["operator"] or None, "purpose": r["purpose"] or None,
                    "hours": r["hours_cost"] or None, "status_notes": r["status_notes"] or None,
                    "source": r["source"], "verified": r["verified"].lower() == "yes",
                    "current": r["current"].lower() == "yes"})
    return out


def shipped_service_records() -> list:
    """services.csv, then the offices every upazila has (upazila_offices.py), both through the importer's checks."""
    with open(gz.DATA_DIR / "services.csv", encoding="utf-8-sig", newline="") as fh:
        header, rows = importer.read_rows(fh)
    records, problems = importer.validate(header, rows, SHIPPED_LISTED_ON)
    if problems:
        raise ValueError("data/services.csv does not validate:\n" + "\n".join(map(str, problems)))
    header, rows = upazila_offices.office_rows()
    offices, problems = importer.validate(header, list(enumerate(rows, start=2)))
    if problems:
        raise ValueError("the upazila offices do not validate:\n" + "\n".join(map(str, problems)))
    return records + offices


def seed_if_empty(conn: Connection) -> bool:
    """Seed once; returns True when this call seeded. The caller holds the migration lock and commits."""
    if conn.execute(select(Meta.value).where(Meta.key == "seeded")).first() is not None:
        return False
    seed_gazetteer(conn)
    importer.write(conn, shipped_service_records(), importer.ImportReport(), history=False)  # the baseline
    conn.execute(Hotline.__table__.insert(), hotline_rows())
    conn.execute(Meta.__table__.insert(), [
        {"key": "seeded", "value": json.dumps({"at": dt.datetime.utcnow().isoformat(timespec="seconds"),
                                               "data": data_fingerprint(),
                                               "listed_on_default": SHIPPED_LISTED_ON.isoformat()})}])
    return True
