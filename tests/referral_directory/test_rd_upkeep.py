"""Directory upkeep: export -> import round trip with change history, stale entries, coverage reports
(CSV, PNG, text) and their CLI commands. Real SQLite copies of the seeded database (fixtures in
conftest.py); one PostgreSQL test for the history table and its migration."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import struct

import pytest
from sqlalchemy import func, select, text

from referral_directory import Directory, db, upkeep
from tests.referral_directory.conftest import run
from referral_directory.importer import COLUMNS
from referral_directory.models import Service, ServiceHistory
from referral_directory.upkeep import months_before
from tests.referral_directory.conftest import SHIPPED_SERVICES, SHIPPED_UNVERIFIED, SHIPPED_VERIFIED  # noqa: E402

from contract.text import TO_BANGLA_DIGITS  # noqa: E402

BN_COUNT = str(SHIPPED_SERVICES).translate(TO_BANGLA_DIGITS)

TODAY = dt.date.today()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- helpers -------------------------------------------------------------------------------------------
def write_csv(path, rows, header=COLUMNS, **kw):
    with open(path, "w", encoding=kw.pop("encoding", "utf-8"), newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", **kw)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def export_rows(d: Directory) -> list:
    buf = io.StringIO()
    d.export_csv(buf)
    return list(csv.DictReader(io.StringIO(buf.getvalue())))


def export_text(d: Directory) -> str:
    buf = io.StringIO()
    d.export_csv(buf)
    return buf.getvalue()


def history_count(d: Directory) -> int:
    with d.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ServiceHistory)).scalar_one()


def updated_at(d: Directory) -> dict:
    t = Service.__table__
    with d.engine.connect() as conn:
        return dict(conn.execute(select(t.c.id, t.c.updated_at)).all())


def row(**kw) -> dict:
    r = {"name_en": "Upkeep Shelter", "name_bn": "আপকিপ আশ্রয়কেন্দ্র", "category": "shelter", "district": "Jashore",
         "phone": "01711123456", "source": "https://example.org/upkeep", "verified": "yes",
         "listed_on": (TODAY - dt.timedelta(days=10)).isoformat()}
    r.update(kw)
    return r


# Rows that stress the round trip: empty optional fields, Bangla text, awkward coordinates, commas,
# quotes and line breaks in cells, several phones (one in Bangla digits), upazila, nationwide, unverified.
TRICKY = [
    row(name_en="Bare minimum", name_bn="", phone="", verified="no", listed_on="", source=""),
    row(name_en="Bangla everywhere", address="রেল রোড, যশোর সদর", hours="সকাল ৯টা - বিকাল ৫টা",
        notes='বিশেষ "নোট", কমা সহ\nদ্বিতীয় লাইন', phone="০১৭১১-১২৩৪৫৬; 01811123456, 0421-61234"),
    row(name_en="Awkward point", lat="23.1", lon="89.2000000001"),
    row(name_en="Long decimals", lat="23.123456789123", lon="89.98765432101234"),
    row(name_en="Upazila row", upazila="Sharsha", serves="children|women", hours="24/7"),
    row(name_en="Nationwide line", district="ALL", category="helpline", phone="109", division=""),
    row(name_en="Old check", listed_on="2020-02-29", confirmed_on="2024-02-29"),
]


@pytest.fixture
def tricky(fresh, tmp_path) -> Directory:
    rep = fresh.import_csv(write_csv(tmp_path / "tricky.csv", TRICKY), changed_by="seed-test")
    assert rep.ok and rep.added == len(TRICKY), rep.problems
    return fresh


# -- 1. round trip with history ------------------------------------------------------------------------
def test_unchanged_round_trip_writes_nothing(tricky, tmp_path):
    before_hist, before_upd, before_text = history_count(tricky), updated_at(tricky), export_text(tricky)
    out = tmp_path / "export.csv"
    out.write_text(before_text, encoding="utf-8")
    rep = tricky.import_csv(out, changed_by="staff-1")
    assert rep.ok and (rep.added, rep.changed, rep.unchanged) == (0, 0, SHIPPED_SERVICES + len(TRICKY))
    assert rep.changes == []
    assert history_count(tricky) == before_hist
    assert updated_at(tricky) == before_upd  # no row was updated
    assert export_text(tricky) == before_text


def test_spreadsheet_style_resave_is_still_unchanged(tricky, tmp_path):
    """A spreadsheet re-saves with a BOM, CRLF line ends and every cell quoted: still nothing changes."""
    before_hist = history_count(tricky)
    path = write_csv(tmp_path / "resaved.csv", export_rows(tricky), encoding="utf-8-sig",
                     quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rep = tricky.import_csv(path, changed_by="staff-1")
    assert rep.ok and rep.changed == rep.added == 0, rep.changes[:3]
    assert history_count(tricky) == before_hist


def test_coordinates_keep_seven_decimals_and_round_trip(tricky):
    rows = {r["name_en"]: r for r in export_rows(tricky)}
    assert (rows["Awkward point"]["lat"], rows["Awkward point"]["lon"]) == ("23.1", "89.2")
    assert (rows["Long decimals"]["lat"], rows["Long decimals"]["lon"]) == ("23.1234568", "89.9876543")
    assert rows["Bare minimum"]["lat"] == "" and rows["Bare minimum"]["name_bn"] == ""
    assert rows["Bangla everywhere"]["notes"] == 'বিশেষ "নোট", কমা সহ\nদ্বিতীয় লাইন'
    assert rows["Nationwide line"]["district"] == "ALL"


def test_one_edited_cell_changes_exactly_that_row(tricky, tmp_path):
    rows = export_rows(tricky)
    target = next(r for r in rows if r["name_en"] == "District Legal Aid Office, Jashore")
    assert target["phone"] == ""
    target["phone"] = "01711-000111"
    before_hist, before_upd = history_count(tricky), updated_at(tricky)
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    rep = tricky.import_csv(write_csv(tmp_path / "edited.csv", rows), changed_by="staff:7f3a9c")
    assert rep.ok and (rep.added, rep.changed, rep.unchanged) == (0, 1, len(rows) - 1)
    assert rep.changes == [{"service_id": target["id"], "name_en": target["name_en"], "action": "changed",
                            "fields": [{"field": "phone", "old": None, "new": "01711000111"}]}]
    assert history_count(tricky) == before_hist + 1
    (h,) = tricky.history(target["id"])
    assert (h["service_id"], h["field"], h["old_value"], h["new_value"], h["changed_by"]) == \
        (target["id"], "phone", None, "01711000111", "staff:7f3a9c")
    assert h["name"] == "District Legal Aid Office, Jashore"
    assert h["changed_at"].tzinfo == dt.timezone.utc and h["changed_at"] >= started
    after_upd = updated_at(tricky)
    assert {k for k in after_upd if after_upd[k] != before_upd[k]} == {target["id"]}
    assert tricky.service(target["id"]).phones == ["01711000111"]

    # editing it back records old and new the other way round
    target["phone"] = ""
    rep = tricky.import_csv(write_csv(tmp_path / "back.csv", rows), changed_by="staff:7f3a9c")
    assert rep.changed == 1
    newest = tricky.history(target["id"])
    assert [(e["old_value"], e["new_value"]) for e in newest] == [("01711000111", None), (None, "01711000111")]


def test_several_cells_of_one_row_give_one_history_row_each(tricky, tmp_path):
    rows = export_rows(tricky)
    r = next(x for x in rows if x["name_en"] == "Bangla everywhere")
    r.update(hours="24/7", verified="no", listed_on="", lat="23.17", lon="89.21")
    rep = tricky.import_csv(write_csv(tmp_path / "multi.csv", rows), changed_by="staff-2")
    assert rep.ok and rep.changed == 1
    got = {e["field"]: (e["old_value"], e["new_value"])
           for e in tricky.history(r["id"]) if e["changed_by"] == "staff-2"}
    assert got == {"hours": ("সকাল ৯টা - বিকাল ৫টা", "24/7"), "verified": ("yes", "no"),
                   "listed_on": ((TODAY - dt.timedelta(days=10)).isoformat(), None),
                   "lat": (None, "23.17"), "lon": (None, "89.21")}


def test_added_rows_are_recorded_as_added(fresh, tmp_path):
    rep = fresh.import_csv(write_csv(tmp_path / "new.csv", [row(name_en="Brand new")]), changed_by="staff-3")
    assert rep.ok and (rep.added, rep.changed, rep.unchanged) == (1, 0, 0)
    (h,) = fresh.history()
    assert (h["field"], h["old_value"], h["new_value"], h["changed_by"]) == ("added", None, "Brand new", "staff-3")
    assert h["service_id"] == rep.changes[0]["service_id"] == "brand-new-jashore"


def test_invalid_row_means_nothing_written_and_no_history(tricky, tmp_path):
    rows = export_rows(tricky)
    rows[0]["hours"] = "9-5"  # a valid edit ...
    rows[1]["phone"] = "12"  # ... and an invalid one
    rows.append(row(name_en="Would be new"))
    before_text, before_hist = export_text(tricky), history_count(tricky)
    rep = tricky.import_csv(write_csv(tmp_path / "bad.csv", rows), changed_by="staff-4")
    assert not rep.ok and [p.row for p in rep.problems] == [3]
    assert (rep.added, rep.changed) == (0, 0)
    assert export_text(tricky) == before_text and history_count(tricky) == before_hist


def test_dry_run_reports_changes_and_writes_no_history(tricky, tmp_path):
    rows = export_rows(tricky)
    rows[0]["hours"] = "9-5"
    before_text, before_hist = export_text(tricky), history_count(tricky)
    rep = tricky.import_csv(write_csv(tmp_path / "dry.csv", rows), dry_run=True, changed_by="staff-5")
    assert rep.ok and rep.dry_run and rep.changed == 1
    assert rep.changes[0]["fields"] == [{"field": "hours", "old": None, "new": "9-5"}]
    assert export_text(tricky) == before_text and history_count(tricky) == before_hist


@pytest.mark.parametrize("by", ["Rahim Uddin", "", "x" * 129, "রহিম"])
def test_changed_by_must_be_an_opaque_id(fresh, tmp_path, by):
    before = history_count(fresh)
    with pytest.raises(ValueError, match="never a person's name"):
        fresh.import_csv(write_csv(tmp_path / "n.csv", [row()]), changed_by=by)
    assert history_count(fresh) == before and "Upkeep Shelter" not in export_text(fresh)


def test_changed_by_none_is_stored_as_unknown(fresh, tmp_path):
    assert fresh.import_csv(write_csv(tmp_path / "n.csv", [row()])).added == 1
    (h,) = fresh.history()
    assert h["changed_by"] is None
    assert "added by unknown" in upkeep.history_text([h])


def test_history_is_newest_first_filtered_and_limited(fresh, tmp_path):
    for i in range(3):
        fresh.import_csv(write_csv(tmp_path / f"h{i}.csv", [row(hours=f"{9 + i}am-5pm")]), changed_by=f"staff-{i}")
    fresh.import_csv(write_csv(tmp_path / "other.csv", [row(name_en="Other")]), changed_by="staff-9")
    hist = fresh.history()
    assert [e["changed_by"] for e in hist] == ["staff-9", "staff-2", "staff-1", "staff-0"]
    assert [e["field"] for e in hist] == ["added", "hours", "hours", "added"]
    assert [e["changed_by"] for e in fresh.history("upkeep-shelter-jashore", limit=2)] == ["staff-2", "staff-1"]
    assert fresh.history("no-such-id") == []
    with pytest.raises(ValueError):
        fresh.history(limit=0)
    txt = upkeep.history_text(hist, "bn")
    assert "যোগ করেছেন staff-9" in txt and "১০am-5pm → ১১am-5pm" not in txt and "10am-5pm → 11am-5pm" in txt
    assert upkeep.history_text([], "bn") == "কোনো পরিবর্তনের রেকর্ড নেই।"


def test_seeding_writes_no_history(shipped):
    assert history_count(shipped) == 0


# -- 2. staleness --------------------------------------------------------------------------------------
def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(dt.date(2027, 3, 31), 1) == dt.date(2027, 2, 28)
    assert months_before(dt.date(2028, 2, 29), 12) == dt.date(2027, 2, 28)
    assert months_before(dt.date(2027, 1, 15), 13) == dt.date(2025, 12, 15)


def test_stale_orders_and_labels_the_three_reasons_by_the_confirmation_date(fresh, tmp_path):
    """Only a person's confirmation counts: an old listing date alone is 'unconfirmed', never 'outdated'."""
    rows = [row(name_en="Confirmed 13 months ago", listed_on=months_before(TODAY, 14).isoformat(),
                confirmed_on=months_before(TODAY, 13).isoformat()),
            row(name_en="Confirmed 25 months ago", listed_on="2020-02-29",
                confirmed_on=months_before(TODAY, 25).isoformat()),
            row(name_en="Confirmed 1 month ago", confirmed_on=months_before(TODAY, 1).isoformat()),
            row(name_en="Confirmed exactly 12 months ago", listed_on=months_before(TODAY, 12).isoformat(),
                confirmed_on=months_before(TODAY, 12).isoformat()),
            row(name_en="Listed recently, never confirmed"),
            row(name_en="Listed in 2019, never confirmed", listed_on="2019-05-01"),
            row(name_en="No source", verified="no", listed_on="", source="")]
    assert fresh.import_csv(write_csv(tmp_path / "s.csv", rows)).ok
    entries = fresh.stale(today=TODAY)
    mine = [e for e in entries if e["name"] in {r["name_en"] for r in rows}]
    assert [(e["name"], e["reason"]) for e in mine] == [
        ("Confirmed 25 months ago", "outdated"), ("Confirmed 13 months ago", "outdated"),
        ("Listed in 2019, never confirmed", "unconfirmed"), ("Listed recently, never confirmed", "unconfirmed"),
        ("No source", "unverified")]
    by_name = {e["name"]: e for e in mine}
    assert by_name["Confirmed 13 months ago"]["confirmed_on"] == months_before(TODAY, 13)
    assert by_name["Confirmed 13 months ago"]["listed_on"] == months_before(TODAY, 14)
    assert by_name["No source"]["verified"] is False and by_name["Listed in 2019, never confirmed"]["verified"] is True
    assert {"id", "name", "category", "district", "listed_on", "confirmed_on", "reason"} <= set(by_name["No source"])
    assert by_name["No source"]["district"] == "Jashore" and by_name["No source"]["category"] == "shelter"
    # over the whole list (83 shipped rows are unconfirmed too): outdated, unconfirmed, unverified
    order = [e["reason"] for e in entries]
    assert order == sorted(order, key=upkeep.REASONS.index) and upkeep.REASONS == ("outdated", "unconfirmed",
                                                                                      "unverified")
    assert order.count("outdated") == 2
    # the labels staff read: who to phone, and why
    text_en = upkeep.stale_text(mine, "en")
    assert f"Confirmed 25 months ago (shelter, Jashore): last confirmed {months_before(TODAY, 25)}; phone again" \
        in text_en
    assert "Listed in 2019, never confirmed (shelter, Jashore): listed 2019-05-01, never confirmed; phone to confirm" \
        in text_en
    assert "No source (shelter, Jashore): no source yet (staff only)" in text_en
    assert text_en.startswith("5 entries to phone and confirm: 2 last confirmed more than 12 months ago, 2 listed "
                              "from a source but never confirmed, 1 without a source")
    text_bn = upkeep.stale_text(mine, "bn")
    assert "শেষ নিশ্চিত" in text_bn and "কখনো নিশ্চিত হয়নি; ফোন করে নিশ্চিত করুন" in text_bn and "উৎস নেই" in text_bn
    # shorter window: the 1-month-old confirmation is not stale for months=1 either (same day a month ago is kept)
    assert "Confirmed 1 month ago" not in {e["name"] for e in fresh.stale(today=TODAY, months=1)}
    assert "Confirmed 1 month ago" in {e["name"] for e in fresh.stale(today=TODAY + dt.timedelta(days=40), months=1)}


def test_stale_counts_on_the_shipped_data(shipped):
    """Nobody has phoned the shipped entries: the sourced ones are 'unconfirmed' now and stay so (a listing
    date never ages into 'outdated'); the others have no source."""
    for today in (dt.date(2026, 12, 1), dt.date(2029, 1, 1)):
        entries = shipped.stale(today=today)
        assert len(entries) == SHIPPED_SERVICES
        assert sum(e["reason"] == "unconfirmed" for e in entries) == SHIPPED_VERIFIED
        assert sum(e["reason"] == "unverified" for e in entries) == SHIPPED_UNVERIFIED
        assert entries[0]["reason"] == "unconfirmed" and entries[-1]["reason"] == "unverified"
    desk = next(e for e in entries if e["name"] == "Child Affairs Desk (any police station)")
    assert desk["district"] == "ALL" and desk["listed_on"] == dt.date(2026, 11, 1) and desk["confirmed_on"] is None


def test_stale_text_is_short_and_bilingual(shipped):
    entries = shipped.stale(today=dt.date(2027, 11, 2))
    en = upkeep.stale_text(entries, "en", limit=5).splitlines()
    assert en[0] == (f"{SHIPPED_SERVICES} entries to phone and confirm: 0 last confirmed more than 12 months ago, "
                     f"{SHIPPED_VERIFIED} listed from a source but never confirmed, {SHIPPED_UNVERIFIED} without a "
                     "source (find one, or phone).")
    assert len(en) == 7 and en[-1] == f"… and {SHIPPED_SERVICES - 5} more."
    # never confirmed, the oldest listing first: the shelter whose address is from a 2005 report
    assert en[1] == ("• Dhaka Ahsania Mission (DAM) Shelter Home for trafficking survivors (shelter, Jashore): listed "
                     "2005-01-01, never confirmed; phone to confirm")
    assert en[2] == ("• Child Affairs Desk (any police station) (police, all districts): listed 2026-11-01, never "
                     "confirmed; phone to confirm")
    bn = upkeep.stale_text(entries, "bn", limit=5).splitlines()
    assert bn[0].startswith(f"{BN_COUNT}টি তথ্য ফোন করে নিশ্চিত করা দরকার") and "তালিকাভুক্ত ২০০৫-০১-০১" in bn[1]
    assert bn[-1] == "… আরও " + str(SHIPPED_SERVICES - 5).translate(TO_BANGLA_DIGITS) + "টি।"
    assert all(len(line) < 200 for line in en + bn)
    assert upkeep.stale_text([], "en", months=6) == \
        "Nothing to phone: every entry was confirmed by phone or visit in the last 6 months."
    with pytest.raises(ValueError):
        upkeep.stale_text(entries, "fr")


# -- 3. coverage ---------------------------------------------------------------------------------------
SMALL = [
    row(name_en="Shelter A", district="Jashore"),
    row(name_en="Shelter B", district="Jashore", upazila="Sharsha"),
    row(name_en="Shelter C", district="Khulna", verified="no", listed_on=""),
    row(name_en="Legal aid Khulna", district="Khulna", category="legal_aid"),
    row(name_en="Desk everywhere", district="ALL", category="police"),
    row(name_en="Helpline unverified", district="ALL", category="helpline", verified="no", listed_on=""),
    row(name_en="Medical nowhere", district="", category="medical"),
]


@pytest.fixture
def small(fresh, tmp_path) -> Directory:
    with fresh.engine.begin() as conn:
        conn.execute(text("DELETE FROM rd_services"))
    assert fresh.import_csv(write_csv(tmp_path / "small.csv", SMALL)).ok
    return fresh


def test_coverage_numbers_for_a_small_known_dataset(small):
    cov = small.coverage()
    assert cov["total_districts"] == 64 and len(cov["districts"]) == 64
    assert (cov["verified"], cov["unverified"]) == (5, 2)
    assert cov["grid"]["Jashore"]["shelter"] == {"verified": 2, "unverified": 0, "nationwide_verified": False,
                                                "covered": True}
    assert cov["grid"]["Khulna"]["shelter"] == {"verified": 0, "unverified": 1, "nationwide_verified": False,
                                               "covered": False}
    assert cov["grid"]["Khulna"]["legal_aid"]["covered"] and not cov["grid"]["Jashore"]["legal_aid"]["covered"]
    assert cov["grid"]["Bandarban"]["police"] == {"verified": 0, "unverified": 0, "nationwide_verified": True,
                                                 "covered": True}
    assert cov["grid"]["Bandarban"]["helpline"]["covered"] is False  # the nationwide one is unverified
    assert cov["nationwide"]["police"] == {"verified": 1, "unverified": 0}
    assert cov["nationwide"]["helpline"] == {"verified": 0, "unverified": 1}
    assert cov["unplaced"]["medical"] == {"verified": 1, "unverified": 0}
    assert cov["by_category"]["shelter"] == {"covered": 1, "local": 1, "nationwide_only": 0, "gaps": 63,
                                             "nationwide": False}
    assert cov["by_category"]["police"] == {"covered": 64, "local": 0, "nationwide_only": 64, "gaps": 0,
                                            "nationwide": True}
    assert cov["by_category"]["medical"]["gaps"] == 64  # a service with no district covers none
    assert "Khulna" in cov["gaps"]["shelter"] and "Jashore" not in cov["gaps"]["shelter"]
    assert len(cov["gaps"]["shelter"]) == 63 and cov["gaps"]["police"] == []
    # the same coverage logic as stats()
    stats = small.stats()
    assert {c: sorted(g) for c, g in cov["gaps"].items()} == stats["districts_without_verified"]


def test_coverage_csv_table(small):
    buf = io.StringIO()
    assert upkeep.coverage_csv(small.coverage(), buf) == 64 * 8
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert list(rows[0]) == upkeep.COVERAGE_COLUMNS and len(rows) == 512
    jashore = next(r for r in rows if r["district"] == "Jashore" and r["category"] == "shelter")
    assert jashore == {"division": "Khulna", "district": "Jashore", "district_bn": "যশোর", "category": "shelter",
                       "verified": "2", "unverified": "0", "nationwide_verified": "no", "covered": "yes"}
    assert rows[0]["division"] == "Barishal"  # ordered by division, then district


def test_coverage_text_en_and_bn(small):
    cov = small.coverage()
    en = upkeep.coverage_text(cov, "en").splitlines()
    assert en[0] == "Districts (of 64) with a verified service:"
    assert "• shelter: 1 of 64 (63 without)" in en
    assert "• police: all 64 (nationwide service)" in en
    assert en[-1] == "2 unverified entries wait to be checked (staff only until then)."
    assert len(en) == 10
    bn = upkeep.coverage_text(cov, "bn").splitlines()
    assert "• আশ্রয়কেন্দ্র: ৬৪টির মধ্যে ১টি (৬৩টিতে নেই)" in bn and "• পুলিশ: সব ৬৪টি (সারা দেশের সেবা)" in bn


def test_coverage_text_names_the_few_missing_districts(small, tmp_path):
    rows = [row(name_en=f"Legal aid {d}", district=d, category="legal_aid")
            for d in (x["name"] for x in small.coverage()["districts"]) if d not in ("Bandarban", "Rangamati")]
    assert small.import_csv(write_csv(tmp_path / "la.csv", rows)).ok
    cov = small.coverage()
    assert cov["gaps"]["legal_aid"] == ["Bandarban", "Rangamati"]
    assert "• legal aid: 62 of 64 (2 without) (missing: Bandarban, Rangamati)" in upkeep.coverage_text(cov)
    assert "(নেই: বান্দরবান, রাঙ্গামাটি)" in upkeep.coverage_text(cov, "bn")


def png_size(path) -> tuple:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", ["bars", "grid"])
def test_coverage_png_is_a_valid_png(small, tmp_path, kind):
    path = upkeep.coverage_png(small.coverage(), tmp_path / "out" / f"{kind}.png", kind=kind)
    w, h = png_size(path)
    assert w >= 600 and h >= 400
    import matplotlib.image

    img = matplotlib.image.imread(str(path))  # decodes: a real image, not just a header
    assert img.shape[:2] == (h, w)


def test_coverage_png_rejects_unknown_kind(small, tmp_path):
    with pytest.raises(ValueError):
        upkeep.coverage_png(small.coverage(), tmp_path / "x.png", kind="map")


def test_every_category_has_bilingual_labels():
    for c in upkeep.CATEGORIES:
        assert upkeep.category_label(c, "en") and upkeep.category_label(c, "bn") != upkeep.category_label(c, "en")


# -- 4. CLI --------------------------------------------------------------------------------------------


def test_cli_import_by_prints_added_changed_unchanged_and_history(url, tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(name_en="CLI row")])
    code, out, _ = run("--database-url", url, "import", str(path), "--by", "staff-cli-1")
    assert code == 0 and "added 1, changed 0, unchanged 0" in out and "+ cli-row-jashore: CLI row" in out
    write_csv(path, [row(name_en="CLI row", hours="24/7")])
    code, out, _ = run("--database-url", url, "import", str(path), "--dry-run")
    assert code == 0 and "would add 0, would change 1, unchanged 0" in out and "hours" in out
    code, out, _ = run("--database-url", url, "import", str(path))  # default --by cli
    assert code == 0 and "added 0, changed 1" in out
    code, out, _ = run("--database-url", url, "history", "--json")
    data = json.loads(out)
    assert [(e["field"], e["changed_by"]) for e in data] == [("hours", "cli"), ("added", "staff-cli-1")]
    code, out, _ = run("--database-url", url, "history", "cli-row-jashore", "-n", "1")
    assert code == 0 and out.count("\n") == 1 and "hours (empty) → 24/7 by cli" in out
    code, out, _ = run("--database-url", url, "history", "cli-row-jashore", "--lang", "bn", "-n", "1")
    assert "করেছেন cli" in out
    code, out, _ = run("--database-url", url, "import", str(path), "--by", "Rahim Uddin")
    assert code == 2 and "never a person's name" in out


def test_cli_stale(url):
    code, out, _ = run("--database-url", url, "stale", "--today", "2027-11-02", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == SHIPPED_SERVICES and data[0]["reason"] == "unconfirmed"
    assert {"id", "name", "category", "district", "listed_on", "confirmed_on", "reason"} <= set(data[0])
    assert data[0]["listed_on"] == "2005-01-01" and data[0]["confirmed_on"] is None
    code, out, _ = run("--database-url", url, "stale", "--today", "2026-12-02", "--months", "1", "-n", "2")
    assert code == 0 and out.startswith(f"{SHIPPED_SERVICES} entries to phone and confirm: 0 last confirmed more "
                                        f"than 1 months ago, {SHIPPED_VERIFIED} listed from a source but never confirmed")
    code, out, _ = run("--database-url", url, "stale", "--today", "2026-12-01", "--lang", "bn", "-n", "1")
    assert code == 0 and out.startswith(f"{BN_COUNT}টি তথ্য ফোন করে নিশ্চিত করা দরকার")
    assert run("--database-url", url, "stale", "--months", "0")[0] == 2


def test_cli_coverage_outputs(url, tmp_path):
    csv_path, png_path = tmp_path / "cov.csv", tmp_path / "cov.png"
    code, out, err = run("--database-url", url, "coverage", "--csv", str(csv_path), "--png", str(png_path))
    assert code == 0 and out.startswith("Districts (of 64) with a verified service:")
    assert "• legal aid: all 64" in out and "wrote 512 rows" in err
    assert len(list(csv.DictReader(csv_path.open(encoding="utf-8")))) == 512
    png_size(png_path)
    code, out, _ = run("--database-url", url, "coverage", "--json")
    data = json.loads(out)
    assert code == 0 and data["by_category"]["legal_aid"]["covered"] == 64 and len(data["gaps"]["tribunal"]) == 64
    code, out, _ = run("--database-url", url, "coverage", "--lang", "bn", "--png", str(tmp_path / "g.png"),
                       "--chart", "grid")
    assert code == 0 and "আইনি সহায়তা: সব ৬৪টি" in out
    png_size(tmp_path / "g.png")


@pytest.mark.parametrize("command", ["import", "history", "stale", "coverage"])
def test_cli_help_for_each_upkeep_command(command, capsys):
    assert run(command, "--help")[0] == 0
    helptext = capsys.readouterr().out
    assert helptext.startswith("usage: python -m referral_directory " + command)
    expected = {"import": "--by ID", "history": "SERVICE_ID", "stale": "--months", "coverage": "--png FILE"}
    assert expected[command] in helptext


# -- 5. migration + PostgreSQL -------------------------------------------------------------------------
def test_history_table_migration_up_and_down_on_sqlite(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'mig.db'}"
    Directory.open(url).close()
    engine = db.make_engine(url)
    try:
        assert "rd_service_history" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            command.downgrade(db.alembic_config(conn), "0001_initial")
            conn.commit()
        names = inspect(engine).get_table_names()
        assert "rd_service_history" not in names and "rd_services" in names
        db.prepare(engine)
        assert "rd_service_history" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_postgresql_history_round_trip(pg_database_factory, tmp_path):
    d = Directory.open(pg_database_factory())
    try:
        rows = export_rows(d)
        path = write_csv(tmp_path / "pg.csv", rows)
        rep = d.import_csv(path, changed_by="staff-pg")
        assert rep.ok and (rep.added, rep.changed, rep.unchanged) == (0, 0, SHIPPED_SERVICES) and d.history() == []
        rows[3]["hours"] = "সকাল ৯টা"
        rows.append(row(name_en="PG point", lat="23.123456789", lon="89.2"))
        rep = d.import_csv(write_csv(path, rows), changed_by="staff-pg")
        assert (rep.added, rep.changed, rep.unchanged) == (1, 1, SHIPPED_SERVICES - 1)
        hist = d.history()
        assert {(e["service_id"], e["field"], e["new_value"]) for e in hist} == \
            {(rows[3]["id"], "hours", "সকাল ৯টা"), ("pg-point-jashore", "added", "PG point")}
        assert all(e["changed_at"].tzinfo == dt.timezone.utc and e["changed_by"] == "staff-pg" for e in hist)
        again = d.import_csv(write_csv(path, export_rows(d)), changed_by="staff-pg")
        assert (again.added, again.changed) == (0, 0) and len(d.history()) == 2
        assert d.coverage()["by_category"]["legal_aid"]["covered"] == 64
        assert len(d.stale(today=dt.date(2026, 12, 1))) == SHIPPED_SERVICES + 1  # nobody confirmed any (PG point included)
    finally:
        d.close()
