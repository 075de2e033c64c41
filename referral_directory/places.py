"""Value types shared by resolution and nearest search: Point, Place, Resolution."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from contract.metadata import LAT, LON

LEVELS = ("division", "district", "upazila")
# A shared GPS position is used at full precision only to answer the message that carries it; whatever
# keeps it (the `location` slot, Rasa's stored events) keeps it rounded to 2 decimals, about 1 km.
STORED_DECIMALS = 2


@dataclass(frozen=True)
class Point:
    """A WGS84 point (degrees)."""

    lat: float
    lon: float

    def to_dict(self) -> Dict[str, Any]:
        return {"lat": self.lat, "lon": self.lon}

    def coarse(self) -> "Point":
        """The point as it may be stored: rounded to STORED_DECIMALS (about 1 km), never finer."""
        return Point(round(self.lat, STORED_DECIMALS), round(self.lon, STORED_DECIMALS))


def coarsen_positions(value: Any) -> None:
    """Round, in place, every {"lat": .., "lon": ..} pair inside ``value`` (dicts and lists, nested) to
    STORED_DECIMALS: message metadata carries a shared location so, and Rasa stores it."""
    if isinstance(value, dict):
        if isinstance(value.get(LAT), (int, float)) and isinstance(value.get(LON), (int, float)):
            value[LAT], value[LON] = round(value[LAT], STORED_DECIMALS), round(value[LON], STORED_DECIMALS)
        for inner in value.values():
            coarsen_positions(inner)
    elif isinstance(value, list):
        for inner in value:
            coarsen_positions(inner)


@dataclass(frozen=True)
class AbroadPlace:
    """A place outside Bangladesh that people name (data/abroad.csv): recognised so that it is never
    mistaken for a Bangladeshi place, and so that the reply can say what helps from abroad."""

    name_en: str
    name_bn: str
    country_en: str
    country_bn: str
    region: str  # india | myanmar | gulf | other
    matched: str = ""


@dataclass(frozen=True)
class Place:
    """A resolved gazetteer place.

    ``precision`` says how good lat/lon are: 'upazila' (upazila point), 'district' (the district HQ,
    used for districts and for upazilas that have no point yet) or 'division' (the divisional HQ
    district standing in for a whole division). ``locality`` is set when a town or city area
    (e.g. Benapole) was named rather than an administrative unit.
    """

    level: str
    division: str
    district: Optional[str]
    upazila: Optional[str]
    name_bn: str
    lat: float
    lon: float
    precision: str
    confidence: float = 1.0
    locality: Optional[str] = None
    matched: str = ""

    @property
    def name_en(self) -> str:
        """The English name of the most specific unit named."""
        return self.locality or self.upazila or self.district or self.division

    @property
    def point(self) -> Point:
        return Point(self.lat, self.lon)

    def label(self) -> str:
        """Short English label: 'Sharsha (Benapole), Jashore' / 'Jashore' / 'Dhaka division'."""
        if self.level == "division":
            return f"{self.division} division"
        parts = []
        if self.upazila:
            parts.append(self.upazila + (f" ({self.locality})" if self.locality else ""))
        elif self.locality:
            parts.append(self.locality)
        parts.append(self.district or "")
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["name_en"] = self.name_en
        d["confidence"] = round(self.confidence, 3)
        return d


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving free text to a place.

    status 'found': ``place`` is set (``candidates`` holds it too); 'ambiguous': ``place`` is None and
    ``candidates`` lists the readings, best first, to ask the user about; 'abroad': the text names a
    place outside Bangladesh (``abroad``) and no Bangladeshi place; 'not_found': nothing usable.
    """

    status: str
    place: Optional[Place] = None
    candidates: List[Place] = field(default_factory=list)
    text: str = ""
    abroad: Optional[AbroadPlace] = None

    @property
    def found(self) -> bool:
        return self.status == "found"

    def to_dict(self) -> Dict[str, Any]:
        return {
            "status": self.status,
            "place": self.place.to_dict() if self.place else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "abroad": asdict(self.abroad) if self.abroad else None,
        }
