"""Importer: every kind of bad row is reported with its row number and nothing is written; good files
upsert by id or name+district; export -> import round-trips; the shipped CSV itself validates."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from referral_directory import gazetteer as gz
from referral_directory.importer import COLUMNS, export_text, read_rows, validate
from referral_directory.seed import SHIPPED_LISTED_ON, shipped_service_records
from tests.referral_directory.conftest import SHIPPED_SERVICES, SHIPPED_UNVERIFIED, SHIPPED_VERIFIED  # noqa: E402


def write_csv(path, rows, header=None):
    header = header or COLUMNS
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def good(**kw):
    row = {"name_en": "Test Shelter", "name_bn": "টেস্ট আশ্রয়", "category": "shelter", "district": "Jashore",
           "phone": "01711123456", "source": "https://example.org/test", "verified": "yes",
           "listed_on": "2026-11-01"}
    row.update(kw)
    return row


def snapshot(d) -> str:
    with d.engine.connect() as conn:
        return export_text(conn)


def test_shipped_services_csv_validates():
    records = shipped_service_records()
    assert len(records) == SHIPPED_SERVICES
    assert {r.category for r in records} <= {"shelter", "legal_aid", "social_protection", "medical", "counselling",
                                            "police", "helpline", "tribunal"}
    offices = dt.date(2026, 12, 5)  # the upazila offices' sources were read then (upazila_office_types.csv)
    for r in records:
        listed = offices if r.id and r.id.startswith(("uss-", "uwa-")) else SHIPPED_LISTED_ON
        if r.name_en.startswith("Dhaka Ahsania Mission"):  # services.csv gives its 2005 source's year
            listed = dt.date(2005, 1, 1)
        assert (r.listed_on == listed) if r.verified else (r.listed_on is None)
        assert r.confirmed_on is None  # the list was compiled from sources: nobody has phoned yet
    assert sum(1 for r in records if not r.verified) == SHIPPED_UNVERIFIED  # kept for staff only
    nationwide = [r for r in records if r.nationwide]
    assert [r.name_en for r in nationwide] == ["Child Affairs Desk (any police station)"]


def test_shipped_rows_are_not_shifted():
    """Every row of services.csv has exactly the header's columns and a canonical category."""
    with open(gz.DATA_DIR / "services.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert all(len(r) == len(rows[0]) for r in rows)
    assert all(not any("\u0980" <= ch <= "\u09ff" for ch in r[2]) for r in rows[1:])


BAD_ROWS = [  # (row, expected column, message fragment)
    (good(name_en=""), "name_en", "required"),
    (good(category="pizza"), "category", "unknown category"),
    (good(verified="maybe"), "verified", "yes or no"),
    (good(source=""), "source", "required for verified rows"),
    (good(district="Atlantis"), "district", "unknown district"),
    (good(district="Jesore"), "district", "did you mean Jashore"),
    (good(upazila="Teknaf"), "upazila", "not an upazila of Jashore (it is in Cox's Bazar)"),
    (good(district="", upazila="Sharsha"), "upazila", "without a district"),
    (good(phone="0171112345"), "phone", "11 digits"),
    (good(phone="+44 20 7946 0958"), "phone", "not a Bangladeshi number"),
    (good(phone="call the office"), "phone", "no phone number"),
    (good(lat="28.61", lon="77.21"), "lat/lon", "outside Bangladesh"),
    (good(lat="23.1"), "lat/lon", "decimal degrees"),
    (good(lat="north", lon="east"), "lat/lon", "decimal degrees"),
    (good(lat="24.9", lon="91.87"), "lat/lon", "km from the Jashore HQ"),
    (good(listed_on="01/11/2026"), "listed_on", "YYYY-MM-DD"),
    (good(listed_on="2099-01-01"), "listed_on", "in the future"),
    (good(listed_on=""), "listed_on", "need the date"),
    (good(verified="no", listed_on="2026-11-01"), "listed_on", "verified is no"),
    (good(confirmed_on="2099-01-01"), "confirmed_on", "in the future"),
    (good(confirmed_on="5 Dec 2026"), "confirmed_on", "YYYY-MM-DD"),
    (good(verified="no", listed_on="", confirmed_on="2026-11-20"), "confirmed_on", "must be verified=yes"),
    (good(serves="men"), "serves", "unknown value"),
    (good(division="Sylhet"), "division", "not Sylhet"),
    (good(id="Bad ID!"), "id", "not a valid id"),
]


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_written(fresh, tmp_path):
    before = snapshot(fresh)
    rows = [good(name_en="Valid first row")] + [r for r, _, _ in BAD_ROWS]
    path = write_csv(tmp_path / "bad.csv", rows)
    rep = fresh.import_csv(path)
    assert not rep.ok
    by_row = {}
    for p in rep.problems:
        by_row.setdefault(p.row, []).append(p)
    for n, (_, column, fragment) in enumerate(BAD_ROWS, start=3):  # header row 1, valid row 2
        assert n in by_row, f"row {n} ({column}) not reported"
        assert any(p.column == column and fragment in p.message for p in by_row[n]), (n, by_row[n])
    assert 2 not in by_row
    assert snapshot(fresh) == before


@pytest.mark.parametrize("header,column,fragment", [
    (COLUMNS + ["phnoe"], "phnoe", "unknown column"),
    ([c for c in COLUMNS if c != "verified"], "verified", "missing"),
    (COLUMNS + ["name_en"], "name_en", "twice"),
    (COLUMNS + ["verified_on"], "listed_on", "verified_on are old names of listed_on"),
])
def test_header_problems(fresh, tmp_path, header, column, fragment):
    path = write_csv(tmp_path / "h.csv", [good()], header)
    rep = fresh.import_csv(path)
    assert any(p.row == 1 and p.column == column and fragment in p.message for p in rep.problems), rep.problems


def test_duplicates_and_extra_cells_are_reported(fresh, tmp_path):
    path = tmp_path / "dup.csv"
    write_csv(path, [good(id="a"), good(id="a", name_en="Other"), good(name_en="Same"), good(name_en="Same")])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("X,Y,shelter,,,,,,,,,,,src,no,,,,EXTRA\n")  # one cell more than the 18 columns
    rep = fresh.import_csv(path)
    msgs = {(p.row, p.column): p.message for p in rep.problems}
    assert "duplicate id" in msgs[(3, "id")] and "row 4" in msgs[(5, "name_en")]
    assert any(r == 6 and "more cells" in m for (r, _), m in msgs.items())


def test_one_bad_row_blocks_the_whole_file(fresh, tmp_path):
    before = snapshot(fresh)
    path = write_csv(tmp_path / "mixed.csv", [good(name_en="Fine"), good(name_en="Broken", phone="12")])
    rep = fresh.import_csv(path)
    assert [p.row for p in rep.problems] == [3]
    assert snapshot(fresh) == before


def test_valid_import_normalises_and_upserts(fresh, tmp_path):
    path = write_csv(tmp_path / "ok.csv", [
        good(name_en="Bangla digits", phone="০১৭১১-১২৩৪৫৬; +8801811123456"),
        good(name_en="Landline and short code", phone="0421-61234, 999", upazila="Sharsha"),
        good(name_en="Real point", lat="23.17", lon="89.21", category="Safe home"),
        good(name_en="Unverified", verified="no", listed_on="", category="One-Stop Crisis Cell"),
        good(name_en="Bangla category", category="সেফ হোম", district="যশোর"),
        good(name_en="Nationwide desk", district="ALL", category="police"),
    ])
    rep = fresh.import_csv(path)
    assert rep.ok and rep.inserted == 6 and rep.updated == 0, rep.problems
    res = {r.name_en: r for r in fresh.nearest("Jashore", None, limit=50, staff=True).results}
    assert res["Bangla digits"].phones == ["01711123456", "01811123456"]
    assert res["Landline and short code"].phones == ["042161234", "999"]
    assert res["Landline and short code"].upazila == "Sharsha"
    assert res["Landline and short code"].coord_precision == "upazila"  # OCHA's centre point of Sharsha
    assert res["Real point"].coord_precision == "exact" and res["Real point"].category == "shelter"
    assert res["Unverified"].verified is False and res["Unverified"].category == "medical"
    assert res["Bangla category"].category == "shelter" and res["Bangla category"].district == "Jashore"
    national = fresh.nearest("Jashore", "police").nationwide
    assert "Nationwide desk" in {r.name_en for r in national}

    # same file again: nothing changes; then an update by name+district and by id
    assert fresh.import_csv(path).unchanged == 6
    write_csv(path, [good(name_en="Bangla digits", phone="01911123456", hours="9am-5pm")])
    rep = fresh.import_csv(path)
    assert (rep.inserted, rep.updated) == (0, 1)
    sid = fresh.nearest("Jashore", "shelter", limit=50, staff=True)
    row = [r for r in sid.results if r.name_en == "Bangla digits"][0]
    assert row.phones == ["01911123456"] and row.hours == "9am-5pm"
    write_csv(path, [good(id=row.id, name_en="Renamed by id")])
    rep = fresh.import_csv(path)
    assert (rep.inserted, rep.updated) == (0, 1)
    assert fresh.service(row.id).name_en == "Renamed by id"


def test_dry_run_writes_nothing(fresh, tmp_path):
    before = snapshot(fresh)
    rep = fresh.import_csv(write_csv(tmp_path / "d.csv", [good(name_en="Dry")]), dry_run=True)
    assert rep.ok and rep.dry_run and rep.inserted == 1
    assert snapshot(fresh) == before


def test_default_listed_on_for_rows_without_a_date(fresh, tmp_path):
    path = write_csv(tmp_path / "v.csv", [good(listed_on="")])
    assert not fresh.import_csv(path).ok
    rep = fresh.import_csv(path, listed_on=dt.date(2026, 11, 20))
    assert rep.ok
    r = [x for x in fresh.nearest("Jashore", "shelter", limit=20).results if x.name_en == "Test Shelter"][0]
    assert r.listed_on == dt.date(2026, 11, 20) and r.confirmed_on is None  # a default is never a confirmation


def test_confirmed_on_in_the_future_or_on_an_unverified_row_is_refused_with_its_row_number(fresh, tmp_path):
    before = snapshot(fresh)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    path = write_csv(tmp_path / "c.csv", [
        good(name_en="Confirmed today", confirmed_on=dt.date.today().isoformat()),
        good(name_en="Confirmed tomorrow", confirmed_on=tomorrow),
        good(name_en="Confirmed but no source", verified="no", listed_on="", source="", confirmed_on="2026-11-20"),
    ])
    rep = fresh.import_csv(path)
    assert [(p.row, p.column) for p in rep.problems] == [(3, "confirmed_on"), (4, "confirmed_on")], rep.problems
    assert f"{tomorrow} is in the future" in rep.problems[0].message
    assert "verified=yes" in rep.problems[1].message
    assert snapshot(fresh) == before


def test_old_verified_on_column_is_read_as_listed_on_never_as_confirmed_on(fresh, tmp_path):
    header = [c for c in COLUMNS if c not in ("listed_on", "confirmed_on")] + ["verified_on"]
    path = write_csv(tmp_path / "old.csv", [dict(good(name_en="Old staff sheet"), verified_on="2025-03-04")], header)
    rep = fresh.import_csv(path, changed_by="staff-old")
    assert rep.ok, rep.problems
    r = next(x for x in fresh.nearest("Jashore", "shelter", limit=50).results if x.name_en == "Old staff sheet")
    assert r.listed_on == dt.date(2025, 3, 4) and r.confirmed_on is None
    # the old "last_verified" name (find --json) is the same alias
    header, rows = read_rows(io.StringIO("name_en,category,verified,source,last_verified\n"
                                         "A,shelter,yes,src,2025-01-02\n"))
    assert "listed_on" in header and "confirmed_on" not in header and rows[0][1]["listed_on"] == "2025-01-02"


def test_both_dates_round_trip_and_are_in_the_history(fresh, tmp_path):
    path = write_csv(tmp_path / "h.csv", [good(name_en="Phoned shelter", listed_on="2026-10-01")])
    assert fresh.import_csv(path, changed_by="staff-a").added == 1
    path = write_csv(tmp_path / "h.csv", [good(name_en="Phoned shelter", listed_on="2026-11-15",
                                               confirmed_on="2026-11-20")])
    rep = fresh.import_csv(path, changed_by="staff-b")
    assert rep.changed == 1
    assert {(f["field"], f["old"], f["new"]) for f in rep.changes[0]["fields"]} == {
        ("listed_on", "2026-10-01", "2026-11-15"), ("confirmed_on", None, "2026-11-20")}
    sid = rep.changes[0]["service_id"]
    logged = {(h["field"], h["old_value"], h["new_value"], h["changed_by"]) for h in fresh.history(sid)}
    assert ("confirmed_on", None, "2026-11-20", "staff-b") in logged
    assert ("listed_on", "2026-10-01", "2026-11-15", "staff-b") in logged
    row = next(r for r in csv.DictReader(io.StringIO(snapshot(fresh))) if r["id"] == sid)
    assert (row["listed_on"], row["confirmed_on"]) == ("2026-11-15", "2026-11-20")


def test_export_import_round_trip(fresh, seeded_template, tmp_path):
    from referral_directory import Directory

    write_csv(tmp_path / "extra.csv", [good(name_en="Point service", lat="23.1234567", lon="89.2345678"),
                                       good(name_en="National", district="ALL", category="helpline", phone="109")])
    assert fresh.import_csv(tmp_path / "extra.csv").ok
    first = snapshot(fresh)
    out = tmp_path / "export.csv"
    out.write_text(first, encoding="utf-8")
    header, rows = read_rows(io.StringIO(first))
    assert header == COLUMNS and len(rows) == SHIPPED_SERVICES + 2
    # into the same database: nothing changes
    rep = fresh.import_csv(out)
    assert rep.ok and rep.unchanged == SHIPPED_SERVICES + 2 and rep.inserted == rep.updated == 0
    # into another database: identical export
    other = Directory.open(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        rep = other.import_csv(out)
        assert rep.ok, rep.problems[:5]
        assert snapshot(other) == first
    finally:
        other.close()


def test_validate_reports_all_problems_of_a_row():
    header, rows = read_rows(io.StringIO(
        "name_en,category,verified,source,phone\n,pizza,maybe,,12\n"))
    records, problems = validate(header, rows)
    assert not records
    assert {p.column for p in problems} == {"name_en", "category", "verified", "phone"}
    assert all(p.row == 2 for p in problems)
