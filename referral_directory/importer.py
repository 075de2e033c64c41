"""Service CSV import (validate every row first, then write all or nothing) and export (same columns).

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.

Columns (name_en, category and verified are required in every row, source in verified rows; the
shipped services.csv - which has ``phone`` and no id/lat/lon - is a valid import file):
    id, name_en, name_bn, category, division, district, upazila, address, phone, hours, lat, lon,
    serves, source, verified, listed_on, confirmed_on, notes
- district: English/Bangla name or alias, or ``ALL`` for a nationwide service (every police station).
- phone: one or more Bangladeshi numbers separated by ';' or ','; Bangla digits accepted.
- lat/lon: only for a real point (stored with precision 'exact'); leave empty to fall back to the
  upazila, else district, HQ point. Export writes lat/lon only for 'exact' rows, so a round trip is stable.
- verified: yes when a citable source (``source``) states the facts of the row; only these rows are shown
  to users. It does not mean that anyone phoned.
- listed_on: YYYY-MM-DD, when the source was published or read; required for verified rows unless a
  default is given (--listed-on). ``verified_on`` (older exports) is read as listed_on, never as a
  confirmation.
- confirmed_on: YYYY-MM-DD, when staff last confirmed the contact by phone or visit; empty if nobody
  has. Only on verified rows (a confirmed contact is shown to users, so its row needs a source).
  Neither date may be in the future.
Upsert: by id when given, else by (name_en, district); new rows without id get a slug id.

Round trip: export -> import of an unchanged file changes nothing (no row, no history). Coordinates
are kept to 7 decimals (about 1 cm), so the exported text is short enough that a spreadsheet keeps it
exactly. Every added or changed row writes ``rd_service_history`` rows in the same transaction: one
per changed column (old and new value as they appear in the CSV), or one ``added`` row.

Formula injection: a cell starting with ``= + - @``, a tab or a carriage return would run as a formula
when staff open the file in a spreadsheet. Import refuses such cells (with the row number); the
phone, lat and lon columns are exempt because they are parsed and stored in a normalised form
(``+880...`` is a phone number). Export prefixes any such value already stored with an apostrophe
(``neutralise``), which spreadsheets show as text; importing that file stores the harmless text.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, TextIO, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from . import categories, geo, phones
from . import gazetteer as gz
from .models import Service, ServiceHistory
from .text import fold, nfc

COLUMNS = ["id", "name_en", "name_bn", "category", "division", "district", "upazila", "address", "phone",
           "hours", "lat", "lon", "serves", "source", "verified", "listed_on", "confirmed_on", "notes"]
REQUIRED = ("name_en", "category", "verified", "source")  # columns that must exist in the header
# Old column names. verified_on/last_verified only ever held when a source was read: never a confirmation.
ALIASES = {"phones": "phone", "verified_on": "listed_on", "last_verified": "listed_on"}
YES = {"yes", "y", "true", "1", "হ্যাঁ"}
NO = {"no", "n", "false", "0", "না"}
MAX_KM_FROM_OWN_DISTRICT = 150.0
COORD_DECIMALS = 7  # ~1 cm; short enough to survive a spreadsheet round trip unchanged
HISTORY_FIELDS = tuple(c for c in COLUMNS if c != "id")  # what a history row's ``field`` can name
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,95}$")
_CHANGED_BY = re.compile(r"^[A-Za-z0-9._:@+/=-]{1,128}$")
FORMULA_START = "=+-@\t\r"  # a cell starting with one of these is a formula to Excel and LibreOffice
PARSED_COLUMNS = {"phone", "lat", "lon"}  # stored normalised (digits, floats), never as typed
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}" if self.column else f"row {self.row}: {self.message}"


@dataclass
class ServiceRecord:
    """One validated row, ready to write."""

    row: int
    id: Optional[str]
    name_en: str
    name_bn: Optional[str]
    category: str
    division: Optional[str]
    district: Optional[str]
    upazila: Optional[str]
    nationwide: bool
    address: Optional[str]
    phones: List[str]
    hours: Optional[str]
    lat: Optional[float]
    lon: Optional[float]
    coord_precision: Optional[str]
    serves: str
    source: str
    verified: bool
    listed_on: Optional[dt.date]
    confirmed_on: Optional[dt.date]
    notes: Optional[str]

    def values(self) -> Dict[str, object]:
        out = {k: getattr(self, k) for k in (
            "name_en", "name_bn", "category", "division", "district", "upazila", "nationwide", "address",
            "phones", "hours", "lat", "lon", "coord_precision", "serves", "source", "verified", "listed_on",
            "confirmed_on", "notes")}
        out["cell"] = geo.cell_of(self.lat, self.lon)
        return out


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do). ``added``/``changed`` are the same counts as
    ``inserted``/``updated`` (kept for older callers); ``changes`` lists each added or changed row:
    ``{"service_id", "name_en", "action": "added"|"changed", "fields": [{"field", "old", "new"}]}``."""

    problems: List[Problem] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    dry_run: bool = False
    changes: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def added(self) -> int:
        return self.inserted

    @property
    def changed(self) -> int:
        return self.updated

    def to_dict(self) -> Dict[str, object]:
        return {"ok": self.ok, "dry_run": self.dry_run, "rows": self.rows, "inserted": self.inserted,
                "updated": self.updated, "unchanged": self.unchanged,
                "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems]}


def slugify(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(text).replace(" ", "-")).strip("-")
    return s[:80] or "service"


def _opt(v: str) -> Optional[str]:
    v = nfc(v or "").strip()
    return v or None


def formula_like(cell: str) -> bool:
    """Whether a spreadsheet would run this cell (as typed, or once the import has trimmed its spaces)."""
    return cell.lstrip(" ")[:1] in tuple(FORMULA_START)


def neutralise(value: str) -> str:
    """The value as a spreadsheet shows it without running it: a leading apostrophe before a formula
    start; plain numbers ("-23.5", "+880...") are left alone (a spreadsheet reads them as numbers)."""
    if value[:1] in tuple(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def read_rows(fh: TextIO) -> Tuple[List[str], List[Tuple[int, Dict[str, str]]]]:
    """(header, [(row number, row)]) from a CSV stream; BOM, NFC and column aliases handled. Cells are
    kept as typed (validate_row trims them after checking for formulas)."""
    reader = csv.reader(fh)
    try:
        header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    except StopIteration:
        return [], []
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    rows = []
    for n, raw in enumerate(reader, start=2):
        if not any(c.strip() for c in raw):
            continue
        row = {header[i] if i < len(header) else f"#extra{i}": nfc(v) for i, v in enumerate(raw)}
        rows.append((n, row))
    return header, rows


def check_header(header: Sequence[str]) -> List[Problem]:
    out = []
    if not header:
        return [Problem(1, "", "the file is empty (no header row)")]
    for h in header:
        if h not in COLUMNS:
            out.append(Problem(1, h, f"unknown column (allowed: {', '.join(COLUMNS)})"))
    for req in REQUIRED:
        if req not in header:
            out.append(Problem(1, req, "required column is missing"))
    dup = {h for h in header if header.count(h) > 1}
    for h in sorted(dup):
        old = sorted(k for k, v in ALIASES.items() if v == h)
        out.append(Problem(1, h, "column appears twice" + (f" ({' and '.join(old)} are old names of {h})"
                                                           if old else "")))
    return out


def _suggest_district(name: str) -> str:
    from .resolve import resolve_text

    r = resolve_text(name)
    names = sorted({c.district for c in r.candidates if c.district and c.level == "district"})
    return f" (did you mean {' or '.join(names)}?)" if names else ""


@dataclass
class _RowCheck:
    """One row under check: its cells (trimmed on read) and the problems found so far, in column order."""

    n: int
    row: Dict[str, str]
    problems: List[Problem] = field(default_factory=list)

    def get(self, column: str) -> str:
        return (self.row.get(column) or "").strip()

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.n, column, message))


def _check_cells(c: _RowCheck) -> None:
    """Cells beyond the header, and cells a spreadsheet would run as formulas."""
    for extra in [k for k in c.row if k.startswith("#extra")]:
        c.problem("", f"more cells than header columns (value {c.row[extra].strip()!r}) - check quoting")
    for col, cell in c.row.items():
        if col not in PARSED_COLUMNS and not col.startswith("#extra") and formula_like(cell):
            c.problem(col, f"starts with {cell.lstrip(' ')[:1]!r}: a spreadsheet would run it as a formula "
                           "(remove that first character, or start the text with a letter)")


def _check_identity(c: _RowCheck) -> Tuple[Optional[str], str, Optional[str]]:
    """(id, name_en, category)."""
    sid = _opt(c.get("id"))
    if sid is not None and not _ID.match(sid):
        c.problem("id", f"{sid!r} is not a valid id (lower-case letters, digits, '-', '_', '.'; max 96)")
    name_en = c.get("name_en")
    if not name_en:
        c.problem("name_en", "required")
    category = None
    if not c.get("category"):
        c.problem("category", "required")
    else:
        category = categories.canonical(c.get("category"))
        if category is None:
            c.problem("category",
                      f"unknown category {c.get('category')!r} (allowed: {', '.join(categories.CATEGORIES)})")
    return sid, name_en, category


def _check_verification(c: _RowCheck) -> Tuple[Optional[bool], str]:
    """(verified, source): a verified row must say where its facts come from."""
    raw = c.get("verified").lower()
    verified = True if raw in YES else False if raw in NO else None
    if verified is None:
        c.problem("verified", f"must be yes or no, got {c.get('verified')!r}")
    source = c.get("source")
    if not source and verified:
        c.problem("source", "required for verified rows (where the facts in this row come from)")
    return verified, source


def _check_place(c: _RowCheck, g: gz.Gazetteer) -> Tuple[Optional[str], Optional[str], Optional[str], bool]:
    """(division, district, upazila, nationwide), by the gazetteer's names and aliases."""
    district = upazila = division = None
    nationwide = False
    draw, uraw, vdiv = c.get("district"), c.get("upazila"), c.get("division")
    if draw.upper() == "ALL":
        nationwide = True
    elif draw:
        d = g.district_named(draw)
        if d is None:
            c.problem("district", f"unknown district {draw!r}{_suggest_district(draw)}")
        else:
            district, division = d.name_en, d.division
    if uraw:
        if nationwide or not draw:
            c.problem("upazila", f"upazila {uraw!r} given without a district")
        elif district:
            u = g.upazila_named(district, uraw)
            if u is None:
                elsewhere = sorted({u2.district for u2 in g.upazilas.values()
                                    if fold(uraw) in (fold(u2.name_en), fold(u2.name_bn))})
                hint = f" (it is in {', '.join(elsewhere)})" if elsewhere else ""
                c.problem("upazila", f"{uraw!r} is not an upazila of {district}{hint}")
            else:
                upazila = u.name_en
    if vdiv:
        dv = next((x for x in g.divisions.values() if fold(vdiv) in {fold(x.name_en), fold(x.name_bn),
                                                                      *map(fold, x.aliases)}), None)
        if dv is None:
            c.problem("division", f"unknown division {vdiv!r}")
        elif division and dv.name_en != division:
            c.problem("division", f"{district} is in {division} division, not {dv.name_en}")
        elif not division:
            division = dv.name_en
    return division, district, upazila, nationwide


def _check_phones(c: _RowCheck) -> List[str]:
    numbers, problems = phones.parse_field(c.get("phone"))
    for message in problems:
        c.problem("phone", message)
    return numbers


def _check_point(c: _RowCheck, g: gz.Gazetteer, district: Optional[str],
                 upazila: Optional[str]) -> Tuple[Optional[float], Optional[float], Optional[str]]:
    """(lat, lon, precision): a real point inside Bangladesh and near its district, else the upazila's or
    district's point."""
    lat = lon = None
    precision = None
    la, lo = c.get("lat"), c.get("lon")
    if la or lo:
        try:
            lat, lon = float(la.translate(phones.BANGLA_DIGITS)), float(lo.translate(phones.BANGLA_DIGITS))
        except ValueError:
            c.problem("lat/lon", f"both must be decimal degrees, got lat={la!r} lon={lo!r}")
        else:
            if not geo.valid_coordinates(lat, lon):
                c.problem("lat/lon", f"({lat}, {lon}) are not valid coordinates")
            elif not geo.inside_bangladesh(lat, lon):
                c.problem("lat/lon", f"({lat}, {lon}) is outside Bangladesh")
            elif district:
                hq = g.districts[district]
                km = geo.haversine_km(lat, lon, hq.lat, hq.lon)
                if km > MAX_KM_FROM_OWN_DISTRICT:
                    c.problem("lat/lon", f"({lat}, {lon}) is {km:.0f} km from the {district} HQ - wrong district?")
            lat, lon = round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)
            precision = "exact"
    if precision is None and district:
        lat, lon, precision = g.point_of(district, upazila)
    return lat, lon, precision


def _check_serves(c: _RowCheck, name_en: str) -> str:
    """Who it serves ('|'-joined); inferred from the name when the cell is empty."""
    serves = c.get("serves").lower().replace(",", "|").replace(" ", "")
    if not serves:
        return categories.infer_serves(name_en)
    parts = [s for s in serves.split("|") if s]
    bad = [s for s in parts if s not in categories.SERVES]
    if bad:
        c.problem("serves", f"unknown value(s) {', '.join(bad)} (allowed: {', '.join(categories.SERVES)})")
    return "|".join(parts)


def _check_dates(c: _RowCheck, verified: Optional[bool], default_listed_on: Optional[dt.date],
                 today: Optional[dt.date]) -> Tuple[Optional[dt.date], Optional[dt.date]]:
    """(listed_on, confirmed_on): when the source was published or read, when staff confirmed the contact."""
    def date_of(col: str) -> Optional[dt.date]:
        if not c.get(col):
            return None
        try:
            day = dt.date.fromisoformat(c.get(col))
        except ValueError:
            c.problem(col, f"must be a date YYYY-MM-DD, got {c.get(col)!r}")
            return None
        if day > (today or dt.date.today()):
            c.problem(col, f"{day} is in the future")
        return day

    listed_on, confirmed_on = date_of("listed_on"), date_of("confirmed_on")
    if c.get("listed_on"):
        if verified is False:
            c.problem("listed_on", "a date is given but verified is no")
    elif verified:
        if default_listed_on is None:
            c.problem("listed_on", "verified rows need the date their source was published or read (YYYY-MM-DD)")
        listed_on = default_listed_on
    if c.get("confirmed_on") and verified is not True:
        c.problem("confirmed_on",
                  "a confirmed contact is shown to users, so the row must be verified=yes (with its source)")
    if verified is False:
        listed_on = confirmed_on = None
    return listed_on, confirmed_on


def validate_row(n: int, row: Dict[str, str], default_listed_on: Optional[dt.date] = None,
                 today: Optional[dt.date] = None) -> Tuple[Optional[ServiceRecord], List[Problem]]:
    """Check one row, one field group after another; returns (record or None, every problem found)."""
    g = gz.load()
    c = _RowCheck(n, row)
    _check_cells(c)
    sid, name_en, category = _check_identity(c)
    verified, source = _check_verification(c)
    division, district, upazila, nationwide = _check_place(c, g)
    numbers = _check_phones(c)
    lat, lon, precision = _check_point(c, g, district, upazila)
    serves = _check_serves(c, name_en)
    listed_on, confirmed_on = _check_dates(c, verified, default_listed_on, today)
    if c.problems:
        return None, c.problems
    return ServiceRecord(n, sid, name_en, _opt(c.get("name_bn")), category, division, district, upazila, nationwide,
                         _opt(c.get("address")), numbers, _opt(c.get("hours")), lat, lon, precision, serves, source,
                         bool(verified), listed_on, confirmed_on, _opt(c.get("notes"))), []


def validate(header: Sequence[str], rows: Iterable[Tuple[int, Dict[str, str]]],
             default_listed_on: Optional[dt.date] = None) -> Tuple[List[ServiceRecord], List[Problem]]:
    """Validate the header and every row (all problems are collected, none stops the check)."""
    problems = check_header(header)
    records: List[ServiceRecord] = []
    seen_ids: Dict[str, int] = {}
    seen_keys: Dict[Tuple[str, Optional[str]], int] = {}
    for n, row in rows:
        rec, probs = validate_row(n, row, default_listed_on)
        problems.extend(probs)
        if rec is None:
            continue
        if rec.id:
            if rec.id in seen_ids:
                problems.append(Problem(n, "id", f"duplicate id {rec.id!r} (also row {seen_ids[rec.id]})"))
                continue
            seen_ids[rec.id] = n
        key = (fold(rec.name_en), rec.district)
        if key in seen_keys and not rec.id:
            problems.append(Problem(n, "name_en", f"same name and district as row {seen_keys[key]}"))
            continue
        seen_keys.setdefault(key, n)
        records.append(rec)
    return records, problems


def _unique_id(base: str, taken: set) -> str:
    cand, i = base, 2
    while cand in taken:
        cand = f"{base[:90]}-{i}"
        i += 1
    taken.add(cand)
    return cand


def check_changed_by(changed_by: Optional[str]) -> Optional[str]:
    """An opaque id (a keyed hash, 'cli', ...) or None. Spaces and other characters are refused so a
    person's name cannot slip into the history table by accident."""
    if changed_by is None:
        return None
    if not isinstance(changed_by, str) or not _CHANGED_BY.match(changed_by):
        raise ValueError("changed_by must be an opaque id (letters, digits and ._:@+/=-, at most 128 "
                         "characters), never a person's name")
    return changed_by


def _same(key: str, old: Any, new: Any) -> bool:
    if key in ("lat", "lon") and old is not None and new is not None:
        return round(old, COORD_DECIMALS) == round(new, COORD_DECIMALS)
    return old == new


def _text(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value)) or None
    return str(value)


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> List[Dict[str, Optional[str]]]:
    """Per-column differences as staff see them in the CSV (phones joined, yes/no, ISO dates). When only
    derived values differ (e.g. the gazetteer point of a district moved), the raw columns are listed."""
    a, b = export_row(old), export_row(new)
    out = [{"field": c, "old": a[c] or None, "new": b[c] or None} for c in HISTORY_FIELDS if a[c] != b[c]]
    if not out:
        out = [{"field": k, "old": _text(old.get(k)), "new": _text(new[k])}
               for k in new if k not in ("id", "updated_at") and not _same(k, old.get(k), new[k])]
    return out


def write(conn: Connection, records: List[ServiceRecord], report: ImportReport,
          changed_by: Optional[str] = None, history: bool = True) -> None:
    """Upsert validated records on an open connection (the caller owns the transaction). With
    ``history`` (seeding turns it off) every added or changed row writes rd_service_history rows."""
    changed_by = check_changed_by(changed_by)
    t = Service.__table__
    existing = {r.id: dict(r) for r in conn.execute(select(t)).mappings()}
    by_key = {(fold(r["name_en"]), r["district"]): sid for sid, r in existing.items()}
    taken = set(existing)
    inserts: List[Dict[str, object]] = []
    log: List[Dict[str, object]] = []
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for rec in records:
        sid = rec.id or by_key.get((fold(rec.name_en), rec.district))
        values = rec.values()
        if sid and sid in existing:
            old = existing[sid]
            if all(_same(k, old[k], v) for k, v in values.items()):
                report.unchanged += 1
                continue
            fields = field_changes(old, {"id": sid, **values})
            conn.execute(t.update().where(t.c.id == sid).values(**values, updated_at=now))
            existing[sid] = {**old, **values}
            report.updated += 1
            report.changes.append({"service_id": sid, "name_en": rec.name_en, "action": "changed",
                                   "fields": fields})
            log += [{"service_id": sid, "field": f["field"], "old_value": f["old"], "new_value": f["new"],
                     "changed_by": changed_by, "changed_at": now} for f in fields]
        else:
            if not sid:
                base = slugify(rec.name_en)
                if rec.district and slugify(rec.district) not in base:
                    base = f"{base}-{slugify(rec.district)}"
                sid = _unique_id(base, taken)
            taken.add(sid)
            inserts.append({"id": sid, **values, "updated_at": now})
            existing[sid] = {"id": sid, **values}
            by_key[(fold(rec.name_en), rec.district)] = sid
            report.inserted += 1
            report.changes.append({"service_id": sid, "name_en": rec.name_en, "action": "added", "fields": []})
            log.append({"service_id": sid, "field": "added", "old_value": None, "new_value": rec.name_en,
                        "changed_by": changed_by, "changed_at": now})
    if inserts:
        conn.execute(t.insert(), inserts)  # one executemany
    if history and log:
        conn.execute(ServiceHistory.__table__.insert(), log)


def import_stream(engine, fh: TextIO, dry_run: bool = False,
                  default_listed_on: Optional[dt.date] = None,
                  changed_by: Optional[str] = None) -> ImportReport:
    """Validate everything; if (and only if) every row is valid, write it all (rows and history) in one
    transaction. A dry run goes as far as computing inserts/updates, then rolls back."""
    check_changed_by(changed_by)
    header, rows = read_rows(fh)
    records, problems = validate(header, rows, default_listed_on)
    report = ImportReport(problems=problems, rows=len(rows), dry_run=dry_run)
    if problems:
        return report
    if dry_run:
        with engine.connect() as conn:
            write(conn, records, report, changed_by)
            conn.rollback()
    else:
        with engine.begin() as conn:
            write(conn, records, report, changed_by)
    return report


def import_file(engine, path: Path, dry_run: bool = False,
                default_listed_on: Optional[dt.date] = None,
                changed_by: Optional[str] = None) -> ImportReport:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return import_stream(engine, fh, dry_run, default_listed_on, changed_by)


def export_row(r: Mapping[str, Any]) -> Dict[str, str]:
    """One service (a row of rd_services, or an id plus ServiceRecord.values()) as an import-format row."""
    exact = r["coord_precision"] == "exact"
    return {
        "id": r["id"], "name_en": r["name_en"], "name_bn": r["name_bn"] or "", "category": r["category"],
        "division": r["division"] or "", "district": "ALL" if r["nationwide"] else (r["district"] or ""),
        "upazila": r["upazila"] or "", "address": r["address"] or "", "phone": "; ".join(r["phones"] or []),
        "hours": r["hours"] or "", "lat": repr(r["lat"]) if exact else "", "lon": repr(r["lon"]) if exact else "",
        "serves": r["serves"], "source": r["source"], "verified": "yes" if r["verified"] else "no",
        "listed_on": r["listed_on"].isoformat() if r["listed_on"] else "",
        "confirmed_on": r["confirmed_on"].isoformat() if r["confirmed_on"] else "", "notes": r["notes"] or "",
    }


def export_rows(conn: Connection) -> List[Dict[str, str]]:
    """Every service as an import-format row (sorted by id, so exports diff cleanly)."""
    t = Service.__table__
    return [export_row(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]


def export_csv(conn: Connection, fh: TextIO) -> int:
    rows = export_rows(conn)
    w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)  # staff open it in a spreadsheet
    return len(rows)


def export_text(conn: Connection) -> str:
    buf = io.StringIO()
    export_csv(conn, buf)
    return buf.getvalue()
