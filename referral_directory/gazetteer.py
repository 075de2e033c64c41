"""The shipped gazetteer (8 divisions, 64 districts, 495 upazilas) and the curated data files, loaded
once per process from ``referral_directory/data`` (never from ../shared at run time).

Coordinates: districts carry their DC-office point. Upazilas take the centre point that OCHA's
boundary dataset publishes for them (data/upazila_pcodes.csv: COD-AB v03, BBS/OCHA, CC BY 3.0 IGO, matched
to our names with their p-codes), precision "upazila"; one without a match would fall back to its
district's point, precision "district". The same file maps each OCHA unit (p-code) to our names, for
placing a GPS point by polygon (upazila_shapes.py), including the 12 city corporations, which our list
does not have as upazilas.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from .text import fold, nfc

DATA_DIR = Path(__file__).resolve().parent / "data"

PRECISIONS = ("exact", "upazila", "district")


def read_csv(name: str) -> List[Dict[str, str]]:
    """Rows of a data file as NFC, whitespace-stripped dicts; lines starting with '#' are comments."""
    path = name if isinstance(name, Path) else DATA_DIR / name
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.lstrip().startswith("#")]
    return [{k: nfc(v or "").strip() for k, v in row.items() if k is not None} for row in csv.DictReader(lines)]


def _aliases(raw: str) -> Tuple[str, ...]:
    return tuple(a.strip() for a in raw.split("|") if a.strip())


@dataclass(frozen=True)
class Division:
    name_en: str
    name_bn: str
    aliases: Tuple[str, ...] = ()


@dataclass(frozen=True)
class District:
    name_en: str
    name_bn: str
    division: str
    lat: float
    lon: float
    aliases: Tuple[str, ...] = ()
    website: str = ""


@dataclass(frozen=True)
class Upazila:
    name_en: str
    name_bn: str
    district: str
    division: str
    lat: Optional[float] = None  # None in the shipped data: fall back to the district point
    lon: Optional[float] = None
    aliases: Tuple[str, ...] = ()
    website: str = ""


@dataclass(frozen=True)
class OchaUnit:
    """An OCHA admin-3 unit (upazila or city corporation) with our district and, when we list it, our upazila."""

    pcode: str
    district: str            # our district name (English)
    upazila: Optional[str]   # our upazila name (English), None for a unit our list lacks
    ocha_name: str
    lat: float               # OCHA's published centre point
    lon: float


@dataclass(frozen=True)
class Alias:
    """A curated alias row from data/aliases.csv."""

    alias: str
    level: str
    district: str
    upazila: str
    division: str
    locality: str
    kind: str


@dataclass
class Gazetteer:
    divisions: Dict[str, Division] = field(default_factory=dict)
    districts: Dict[str, District] = field(default_factory=dict)
    upazilas: Dict[Tuple[str, str], Upazila] = field(default_factory=dict)  # (district, upazila)
    curated: List[Alias] = field(default_factory=list)
    ocha_units: Dict[str, OchaUnit] = field(default_factory=dict)  # p-code -> unit

    # -- lookups used by the importer and the model layer --------------------------------------------
    @functools.cached_property
    def _district_keys(self) -> Dict[str, str]:
        keys: Dict[str, str] = {}
        for d in self.districts.values():
            for name in (d.name_en, d.name_bn, *d.aliases):
                keys.setdefault(fold(name), d.name_en)
        return keys

    def district_named(self, name: str) -> Optional[District]:
        """District by official English/Bangla name or gazetteer alias, case-insensitive."""
        key = self._district_keys.get(fold(name))
        return self.districts.get(key) if key else None

    def district_name(self, district: str, lang: str) -> str:
        """A district's name for display: Bangla for "bn", else the English name as given; a name that is
        not a district is returned unchanged."""
        d = self.districts.get(district)
        return d.name_bn if (lang == "bn" and d is not None) else district

    def upazila_named(self, district: str, name: str) -> Optional[Upazila]:
        """Upazila of the given district by English/Bangla name or alias, case-insensitive."""
        want = fold(name)
        for (dist, _), u in self.upazilas.items():
            if dist == district and want in {fold(u.name_en), fold(u.name_bn), *map(fold, u.aliases)}:
                return u
        for a in self.curated:
            if a.level == "upazila" and a.district == district and fold(a.alias) == want and not a.locality:
                return self.upazilas.get((district, a.upazila))
        return None

    def upazilas_of(self, district: str) -> Iterator[Upazila]:
        return (u for (d, _), u in self.upazilas.items() if d == district)

    def point_of(self, district: Optional[str],
                 upazila: Optional[str] = None) -> Tuple[Optional[float], Optional[float], Optional[str]]:
        """(lat, lon, precision) for an upazila or district: the upazila's own point when it has one,
        else the district HQ point with precision 'district'; (None, None, None) when unknown."""
        if district and upazila:
            u = self.upazilas.get((district, upazila))
            if u is not None and u.lat is not None and u.lon is not None:
                return u.lat, u.lon, "upazila"
        d = self.districts.get(district or "")
        if d is None:
            return None, None, None
        return d.lat, d.lon, "district"


def _float(v: str) -> Optional[float]:
    return float(v) if v not in ("", None) else None


@functools.lru_cache(maxsize=1)
def load() -> Gazetteer:
    """The shipped gazetteer, parsed once per process."""
    g = Gazetteer()
    for r in read_csv("divisions.csv"):
        g.divisions[r["division_en"]] = Division(r["division_en"], r["division_bn"], _aliases(r["aliases"]))
    for r in read_csv("districts.csv"):
        g.districts[r["district_en"]] = District(
            r["district_en"], r["district_bn"], r["division"], float(r["lat"]), float(r["lon"]),
            _aliases(r["aliases"]), r.get("website", ""))
    centres: Dict[Tuple[str, str], Tuple[float, float]] = {}
    for r in read_csv("upazila_pcodes.csv"):
        ours = r["upazila_en"] if r["match"] not in ("no_project_row", "city_corporation_no_project_row") else None
        unit = OchaUnit(r["adm3_pcode"], r["district"], ours or None, r["ocha_adm3_name"],
                        float(r["center_lat"]), float(r["center_lon"]))
        g.ocha_units[unit.pcode] = unit
        if unit.upazila:
            centres[(unit.district, unit.upazila)] = (unit.lat, unit.lon)
    for r in read_csv("upazilas.csv"):
        lat, lon = _float(r["lat"]), _float(r["lon"])
        if lat is None or lon is None:
            lat, lon = centres.get((r["district_en"], r["upazila_en"]), (None, None))
        g.upazilas[(r["district_en"], r["upazila_en"])] = Upazila(
            r["upazila_en"], r["upazila_bn"], r["district_en"], r["division"], lat, lon,
            _aliases(r["aliases"]), r.get("website", ""))
    missing = [u for u in g.ocha_units.values() if u.upazila and (u.district, u.upazila) not in g.upazilas]
    if missing:
        raise ValueError(f"data/upazila_pcodes.csv names upazilas that upazilas.csv lacks: {missing[:3]}")
    for r in read_csv("aliases.csv"):
        a = Alias(r["alias"], r["level"], r["district"], r["upazila"], r["division"], r["locality"], r["kind"])
        if a.level == "division":
            ok = a.division in g.divisions
        elif a.level == "district":
            ok = a.district in g.districts
        else:
            ok = (a.district, a.upazila) in g.upazilas
        if not ok:
            raise ValueError(f"data/aliases.csv: {a.alias!r} points at an unknown place")
        g.curated.append(a)
    return g
