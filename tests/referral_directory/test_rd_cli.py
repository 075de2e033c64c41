"""CLI: JSON shapes and exit codes of resolve/find/import/export/stats via main(argv), plus one real
``python -m referral_directory`` subprocess run; and package hygiene (no bot imports, NFC data)."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.referral_directory.conftest import run
from referral_directory.cli import build_parser
from referral_directory.importer import COLUMNS
from tests.referral_directory.conftest import SHIPPED_SERVICES, SHIPPED_UNVERIFIED, SHIPPED_VERIFIED  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "referral_directory"




def test_resolve_json_found():
    code, out, _ = run("resolve", "আমি", "যশোরে", "থাকি", "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "found"
    assert {"division": "Khulna", "district": "Jashore", "upazila": None}.items() <= data["place"].items()
    assert 0 < data["place"]["confidence"] <= 1


def test_resolve_json_ambiguous_and_not_found():
    code, out, _ = run("resolve", "Sadar", "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "ambiguous" and data["place"] is None
    assert len(data["candidates"]) >= 60
    assert {"division", "district", "upazila", "confidence"} <= set(data["candidates"][0])
    code, out, _ = run("resolve", "asdfgh", "--json")
    assert code == 1 and json.loads(out)["status"] == "not_found"


def test_resolve_plain_text():
    code, out, _ = run("resolve", "Benapole")
    assert code == 0 and out.startswith("found: Sharsha (Benapole), Jashore")


def test_find_place_json(url):
    code, out, _ = run("--database-url", url, "find", "Jashore", "--category", "legal_aid", "--json")
    data = json.loads(out)
    assert code == 0 and data["outside"] is False and data["origin"]["district"] == "Jashore"
    first = data["results"][0]
    assert first["name"] == "District Legal Aid Office, Jashore" and first["distance_km"] == 0.0
    assert {"name", "category", "district", "upazila", "distance_km", "coord_precision", "phones", "verified",
            "listed_on", "confirmed_on", "source"} <= set(first)
    assert len(data["results"]) == 3


def test_find_point_staff_and_limit(url):
    code, out, _ = run("--database-url", url, "find", "23.17,89.21", "--category", "shelter", "--limit", "5",
                       "--staff", "--json")
    data = json.loads(out)
    assert code == 0 and data["origin"]["type"] == "point" and data["staff"] is True
    assert len(data["results"]) == 5
    assert any(r["verified"] is False for r in data["results"])
    code, out, _ = run("--database-url", url, "find", "23.17,89.21", "--category", "shelter", "--json")
    assert all(r["verified"] for r in json.loads(out)["results"])


def test_find_plain_text_and_outside(url):
    code, out, _ = run("--database-url", url, "find", "28.61,77.21", "--category", "legal_aid")
    assert code == 0 and "outside Bangladesh" in out


def test_find_errors(url):
    code, out, _ = run("--database-url", url, "find", "Sadar", "--category", "shelter", "--json")
    assert code == 1 and json.loads(out)["resolution"]["status"] == "ambiguous"
    assert run("--database-url", url, "find", "asdfgh")[0] == 1
    assert run("--database-url", url, "find", "95,200")[0] == 1
    assert run("--database-url", url, "find", "Jashore", "--category", "pizza")[0] == 2
    assert run("--database-url", url, "find", "Jashore", "--limit", "0")[0] == 2
    assert run("frobnicate")[0] == 2
    assert run()[0] == 2
    assert run("--help")[0] == 0


def _csv(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})
    return path


ROW = {"name_en": "CLI shelter", "category": "shelter", "district": "Khulna", "phone": "০১৭১১-১২৩৪৫৬",
       "source": "test", "verified": "yes", "listed_on": "2026-11-02"}


def test_import_json_ok_and_dry_run(url, tmp_path):
    path = _csv(tmp_path / "ok.csv", [ROW])
    code, out, _ = run("--database-url", url, "import", str(path), "--dry-run", "--json")
    data = json.loads(out)
    assert code == 0 and data == {"ok": True, "dry_run": True, "rows": 1, "inserted": 1, "updated": 0,
                                  "unchanged": 0, "problems": []}
    code, out, _ = run("--database-url", url, "import", str(path))
    assert code == 0 and "inserted 1" in out
    code, out, _ = run("--database-url", url, "find", "Khulna", "-c", "shelter", "--json")
    assert any(r["name"] == "CLI shelter" and r["phones"] == ["01711123456"] for r in json.loads(out)["results"])


def test_import_listed_on_default_and_its_old_name(url, tmp_path):
    path = _csv(tmp_path / "undated.csv", [{**ROW, "listed_on": ""}])
    code, out, _ = run("--database-url", url, "import", str(path))
    assert code == 1 and "row 2: listed_on: verified rows need the date their source was published or read" in out
    code, out, _ = run("--database-url", url, "import", str(path), "--listed-on", "2026-10-05")
    assert code == 0 and "added 1" in out
    _csv(path, [{**ROW, "listed_on": "", "hours": "9-5"}])
    code, out, _ = run("--database-url", url, "import", str(path), "--verified-on", "2026-10-06")  # the old name
    assert code == 0 and "listed_on '2026-10-05' -> '2026-10-06'" in out
    import_help = build_parser()._subparsers._group_actions[0].choices["import"].format_help()
    assert "--listed-on" in import_help and "--verified-on" not in import_help  # a hidden alias
    code, out, _ = run("--database-url", url, "find", "Khulna", "-c", "shelter", "-n", "10")
    phones_line = next(x for x in out.split("CLI shelter", 1)[1].splitlines() if "phones:" in x)
    assert phones_line.endswith("listed: 2026-10-06; confirmed: never")


def test_import_invalid_reports_rows_and_exits_1(url, tmp_path):
    path = _csv(tmp_path / "bad.csv", [ROW, {**ROW, "name_en": "x", "district": "Atlantis", "phone": "12"}])
    code, out, _ = run("--database-url", url, "import", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["inserted"] == 0
    assert {(p["row"], p["column"]) for p in data["problems"]} == {(3, "district"), (3, "phone")}
    code, out, _ = run("--database-url", url, "import", str(path))
    assert code == 1 and "row 3: district" in out and "nothing was written" in out
    assert run("--database-url", url, "import", str(tmp_path / "missing.csv"))[0] == 1


def test_export_stdout_and_file_round_trip(url, tmp_path):
    code, out, _ = run("--database-url", url, "export")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == SHIPPED_SERVICES and list(rows[0]) == COLUMNS
    target = tmp_path / "e.csv"
    code, _, err = run("--database-url", url, "export", str(target))
    assert code == 0 and f"exported {SHIPPED_SERVICES}" in err
    assert target.read_text(encoding="utf-8") == out
    code, out2, _ = run("--database-url", url, "import", str(target), "--json")
    assert code == 0 and json.loads(out2)["unchanged"] == SHIPPED_SERVICES


def test_stats_json_and_text(url):
    code, out, _ = run("--database-url", url, "stats", "--json")
    s = json.loads(out)
    assert code == 0 and s["total"] == SHIPPED_SERVICES and s["verified"] == SHIPPED_VERIFIED
    assert s["by_category"]["legal_aid"] == {"total": 64, "verified": 64}
    assert s["districts_without_verified"]["legal_aid"] == []
    assert s["districts_without_verified"]["police"] == []  # the nationwide desk covers every district
    assert "Jashore" not in s["districts_without_verified"]["shelter"]
    assert len(s["districts_without_verified"]["tribunal"]) == 64  # tribunal rows are unverified
    assert s["by_district"]["Jashore"]["total"] >= 4
    code, out, _ = run("--database-url", url, "stats")
    assert code == 0 and out.startswith(f"{SHIPPED_SERVICES} services, {SHIPPED_VERIFIED} verified")


def test_hotlines_command(url):
    code, out, _ = run("--database-url", url, "hotlines", "--json")
    rows = json.loads(out)
    assert code == 0 and all(r["verified"] and r["current"] for r in rows)


def test_python_dash_m_subprocess(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'sub.db'}"}
    r = subprocess.run([sys.executable, "-m", "referral_directory", "resolve", "ctg", "--json"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["place"]["district"] == "Chattogram"
    r = subprocess.run([sys.executable, "-m", "referral_directory", "--help"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "exit codes" in r.stdout
    r = subprocess.run([sys.executable, "-m", "referral_directory", "find"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2


def test_package_imports_nothing_from_the_bot():
    code = ("import sys; sys.path.insert(0, %r); import referral_directory, referral_directory.cli, "
            "referral_directory.seed, referral_directory.importer; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('actions', 'bot', 'rasa', 'rasa_sdk')]; "
            "print(bad); sys.exit(1 if bad else 0)") % str(ROOT)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    for py in PKG.rglob("*.py"):
        src = py.read_text(encoding="utf-8")
        for mod in ("actions", "bot", "rasa", "rasa_sdk"):
            assert f"import {mod}" not in src and f"from {mod}" not in src, (py, mod)


def test_data_files_are_nfc_and_licence_ships():
    for f in [p for p in (PKG / "data").iterdir() if p.suffix != ".npz"] + list(PKG.rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        assert text == unicodedata.normalize("NFC", text), f
    assert "MIT" in (PKG / "data" / "LICENSE-nuhil-bangladesh-geocode-MIT.txt").read_text(encoding="utf-8")
