"""Great-circle distance and a polygon-free "is this point in Bangladesh?" test."""
from __future__ import annotations

import functools
import math
from typing import List, Optional, Tuple

from . import gazetteer as gz

EARTH_RADIUS_KM = 6371.0088
# Bangladesh bounding box (generous by a few km) and the farthest a point inside the country can be
# from its nearest district HQ (the box alone would admit parts of India and Myanmar).
BD_LAT = (20.5, 26.7)
BD_LON = (88.0, 92.7)
MAX_KM_FROM_DISTRICT_HQ = 120.0
CELL_DEG = 0.1  # grid cell size for the nearest() prefilter (~11 km)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bbox(lat: float, lon: float, radius_km: float) -> Tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle of radius_km around the point."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    coslat = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * coslat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@functools.lru_cache(maxsize=1)
def _district_points() -> List[Tuple[str, float, float]]:
    return [(d.name_en, d.lat, d.lon) for d in gz.load().districts.values()]


def nearest_district(lat: float, lon: float) -> Tuple[str, float]:
    """(district name, km) of the closest district HQ (picked on a flat approximation, which is
    monotonic enough at this scale, then measured with haversine)."""
    k = math.cos(math.radians(lat)) ** 2
    name, a, b = min(_district_points(), key=lambda p: (p[1] - lat) ** 2 + k * (p[2] - lon) ** 2)
    return name, haversine_km(lat, lon, a, b)


def inside_bangladesh(lat: float, lon: float) -> bool:
    """Bounding box plus distance to the nearest district HQ under 120 km: rough, polygon-free,
    good enough to tell "abroad" from "in the country" for a referral."""
    if not (BD_LAT[0] <= lat <= BD_LAT[1] and BD_LON[0] <= lon <= BD_LON[1]):
        return False
    return nearest_district(lat, lon)[1] <= MAX_KM_FROM_DISTRICT_HQ


def valid_coordinates(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and not (math.isnan(lat) or math.isnan(lon))


def cell_of(lat: Optional[float], lon: Optional[float]) -> Optional[int]:
    """Integer id of the CELL_DEG grid cell holding the point (None without a point)."""
    if lat is None or lon is None:
        return None
    return int(math.floor((lat + 90.0) / CELL_DEG)) * 10000 + int(math.floor((lon + 180.0) / CELL_DEG))


def cells_for_bbox(lo_lat: float, hi_lat: float, lo_lon: float, hi_lon: float) -> List[int]:
    """Every cell id that intersects the box."""
    r0, r1 = int(math.floor((lo_lat + 90.0) / CELL_DEG)), int(math.floor((hi_lat + 90.0) / CELL_DEG))
    c0, c1 = int(math.floor((lo_lon + 180.0) / CELL_DEG)), int(math.floor((hi_lon + 180.0) / CELL_DEG))
    return [r * 10000 + c for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
