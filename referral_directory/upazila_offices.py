"""The offices that every upazila has (data/upazila_office_types.csv), one directory entry per upazila.

Why: official sources state the structure (every upazila has a Social Services Office and a Women
Affairs Office), so a parent anywhere can be sent to their own upazila's office instead of being told
"we have no office". Each entry sits at the upazila's centre point (precision "upazila"), carries the
sources that state the structure, and has a phone only where an official page gives one
(data/upazila_office_phones.csv); otherwise users are told the phone is not confirmed and given the
national helpline. Entries are rows in the services.csv format, so they go through the same importer
validation as every other service, and staff update them by id ("uss-<OCHA p-code>") like any row.
"""
from __future__ import annotations

import functools
from typing import Dict, List, Tuple

from . import gazetteer as gz

TYPES_FILE = "upazila_office_types.csv"
PHONES_FILE = "upazila_office_phones.csv"
HEADER = ["id", "name_en", "name_bn", "category", "district", "upazila", "address", "phone", "source", "verified",
          "listed_on", "notes"]


@functools.lru_cache(maxsize=1)
def office_types() -> Dict[str, Dict[str, str]]:
    return {r["office"]: r for r in gz.read_csv(TYPES_FILE)}


def _phones() -> Dict[Tuple[str, str, str], Dict[str, str]]:
    return {(r["office"], r["district"], r["upazila"]): r for r in gz.read_csv(PHONES_FILE)}


@functools.lru_cache(maxsize=1)
def _pcodes() -> Dict[Tuple[str, str], str]:
    return {(u.district, u.upazila): u.pcode for u in gz.load().ocha_units.values() if u.upazila}


def office_id(office: str, district: str, upazila: str) -> str:
    """Stable id: the office and the upazila's OCHA p-code (names can be respelled, p-codes stay)."""
    return f"{office}-{_pcodes()[(district, upazila)].lower()}"


@functools.lru_cache(maxsize=1)
def office_rows() -> Tuple[List[str], List[Dict[str, str]]]:
    """(header, rows) in the services.csv format: every office type for every upazila of the gazetteer
    (computed once per process; callers must not change the rows)."""
    g, phones, rows = gz.load(), _phones(), []
    for office, spec in office_types().items():
        unverified = {tuple(x.split("/", 1)) for x in spec["not_verified_in"].split("|") if x}
        for (district, name), upazila in g.upazilas.items():
            values = {"upazila": name, "upazila_bn": upazila.name_bn}
            phone = phones.get((office, district, name))
            source = spec["source"] + (f" ; phone: {phone['source']} (read {phone['read_on']})" if phone else "")
            rows.append({
                "id": office_id(office, district, name), "name_en": spec["name_en"].format(**values),
                "name_bn": spec["name_bn"].format(**values), "category": spec["category"], "district": district,
                "upazila": name, "address": spec["address"].format(**values), "phone": phone["phone"] if phone else "",
                "source": source, "verified": "no" if (district, name) in unverified else "yes",
                "listed_on": "" if (district, name) in unverified else spec["read_on"], "notes": spec["notes"],
            })
    return HEADER, rows


@functools.lru_cache(maxsize=1)
def _rows_by_upazila() -> Dict[Tuple[str, str], Dict[str, Dict[str, str]]]:
    index: Dict[Tuple[str, str], Dict[str, Dict[str, str]]] = {}
    for row in office_rows()[1]:
        office = row["id"].split("-", 1)[0]  # office_id(): "<office>-<p-code>"
        index.setdefault((row["district"], row["upazila"]), {})[office] = row
    return index


def local_offices(district: str, upazila: str) -> Dict[str, Dict[str, str]]:
    """office -> its row, for one upazila (the names used in replies about local action)."""
    return _rows_by_upazila().get((district, upazila), {})
