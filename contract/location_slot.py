"""The `location` slot's layout: the action server writes it, the actions and the bot's trends read it.

    point:<lat>,<lon>                  a shared GPS point, rounded (see referral_directory.places)
    place:division:<Division>          a division, as the gazetteer names it in English
    place:district:<District>
    place:upazila:<District>/<Upazila>
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

PLACE_LEVELS = ("division", "district", "upazila")


@dataclass(frozen=True)
class LocationSlot:
    kind: str                    # "point" or "place"
    level: Optional[str] = None  # for a place: division, district or upazila
    name: str = ""               # for a place: "Khulna", "Jashore" or "Jashore/Sharsha"
    lat: Optional[float] = None  # for a point
    lon: Optional[float] = None

    @property
    def district(self) -> Optional[str]:
        """The district a place names (None for a division or a point)."""
        return self.name.partition("/")[0] if self.kind == "place" and self.level in ("district", "upazila") else None

    @property
    def upazila(self) -> Optional[str]:
        return self.name.partition("/")[2] or None if self.kind == "place" and self.level == "upazila" else None


def point(lat: float, lon: float, decimals: int) -> str:
    return f"point:{lat:.{decimals}f},{lon:.{decimals}f}"


def place(level: str, name: str) -> str:
    if level not in PLACE_LEVELS:
        raise ValueError(f"unknown place level {level!r}")
    return f"place:{level}:{name}"


def parse(value: object) -> Optional[LocationSlot]:
    """The slot's value, or None when it is empty or not in this layout."""
    kind, _, rest = str(value or "").partition(":")
    if kind == "point":
        lat, _, lon = rest.partition(",")
        try:
            return LocationSlot("point", lat=float(lat), lon=float(lon))
        except ValueError:
            return None
    if kind == "place":
        level, _, name = rest.partition(":")
        return LocationSlot("place", level, name) if level in PLACE_LEVELS and name else None
    return None
