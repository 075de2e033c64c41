"""Great-circle distance, and which upazila (if any) holds a point, by OCHA's boundaries."""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

from . import gazetteer as gz
from .upazila_shapes import upazila_shapes

EARTH_RADIUS_KM = 6371.0088
# Bangladesh bounding box (generous by a few km): anything outside it is abroad without a polygon test.
BD_LAT = (20.5, 26.7)
BD_LON = (88.0, 92.7)
# The boundaries are simplified to ~50 m; a point this close to one (a river bank, the coast) still counts.
EDGE_TOLERANCE_DEG = 0.002  # ~200 m
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


def upazila_at(lat: float, lon: float) -> Optional[gz.OchaUnit]:
    """The OCHA upazila (or city corporation) whose boundary holds the point, mapped to our names;
    None outside Bangladesh (India, Myanmar, the sea). A point within ~200 m of the boundary counts."""
    if not valid_coordinates(lat, lon) or not (BD_LAT[0] <= lat <= BD_LAT[1] and BD_LON[0] <= lon <= BD_LON[1]):
        return None
    shapes, units = upazila_shapes(), gz.load().ocha_units
    hit = shapes.locate(lat, lon)
    if hit is None:
        e = EDGE_TOLERANCE_DEG
        hit = next((h for dy, dx in ((e, 0), (-e, 0), (0, e), (0, -e), (e, e), (e, -e), (-e, e), (-e, -e))
                    if (h := shapes.locate(lat + dy, lon + dx)) is not None), None)
    return units.get(hit.pcode) if hit is not None else None


def inside_bangladesh(lat: float, lon: float) -> bool:
    """Inside an upazila boundary of Bangladesh (see upazila_at)."""
    return upazila_at(lat, lon) is not None


def district_at(lat: float, lon: float) -> Optional[str]:
    """Our district name for a point in Bangladesh, by polygon; None abroad."""
    unit = upazila_at(lat, lon)
    return unit.district if unit is not None else None


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
