"""Nearest services: ranking and distances on hand-built services, the shipped data, verified-only
user views, the staff view, widening, the outside-Bangladesh flag, hotlines."""
from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from sqlalchemy import delete, select

from referral_directory import CATEGORIES, Directory, PlaceNotResolved, Point, resolve_text
from referral_directory import gazetteer as gz
from referral_directory.geo import haversine_km, inside_bangladesh
from referral_directory.importer import COLUMNS, import_stream
from referral_directory.models import Service
from referral_directory.nearest import nearest_ids

G = gz.load()
KM_PER_DEG_LAT = haversine_km(23.0, 90.0, 24.0, 90.0)
ORIGIN = Point(23.0, 90.0)  # inside Bangladesh (Madaripur/Shariatpur area)


def csv_text(rows: list) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in COLUMNS})
    return buf.getvalue()


def svc(i: str, lat: float, lon: float, category: str = "shelter", verified: str = "yes", **kw) -> dict:
    district = gz.load().districts[kw.pop("district", "Madaripur")]
    row = {"id": i, "name_en": f"Test service {i}", "category": category, "district": district.name_en,
           "lat": repr(lat), "lon": repr(lon), "source": "test fixture", "verified": verified,
           "listed_on": "2026-11-01" if verified == "yes" else "", "phone": "01711123456"}
    row.update(kw)
    return row


def replace_services(d: Directory, rows: list) -> None:
    with d.engine.begin() as conn:
        conn.execute(delete(Service.__table__))
    rep = import_stream(d.engine, io.StringIO(csv_text(rows)))
    assert rep.ok, rep.problems


@pytest.fixture
def custom(fresh):
    """Five shelters north of ORIGIN at 11, 22, 33, 100 km (one unverified at 5 km), one legal aid."""
    step = 0.1  # degrees of latitude, ~11.1 km
    replace_services(fresh, [
        svc("s-11", 23.0 + step, 90.0),
        svc("s-22", 23.0 + 2 * step, 90.0),
        svc("s-33", 23.0 + 3 * step, 90.0),
        svc("s-100", 23.0 + 0.9, 90.0, district="Dhaka"),
        svc("s-unverified-5", 23.045, 90.0, verified="no", phone="01811123456"),
        svc("l-50", 23.45, 90.0, category="legal_aid"),
    ])
    return fresh


def test_ranking_and_haversine_distances(custom):
    res = custom.nearest(ORIGIN, "shelter", limit=3)
    assert [r.id for r in res.results] == ["s-11", "s-22", "s-33"]
    for r, k in zip(res.results, (1, 2, 3)):
        assert r.distance_km == pytest.approx(k * 0.1 * KM_PER_DEG_LAT, rel=1e-6)
        assert r.coord_precision == "exact"
    assert res.results[0].distance_km == pytest.approx(11.12, abs=0.01)
    assert not res.widened and not res.outside


def test_limit_and_category_filter(custom):
    assert len(custom.nearest(ORIGIN, "shelter", limit=10).results) == 4  # the unverified one is hidden
    res = custom.nearest(ORIGIN, "legal_aid", limit=5)
    assert [r.id for r in res.results] == ["l-50"]
    assert len(custom.nearest(ORIGIN, None, limit=10).results) == 5


def test_user_view_hides_unverified_rows_and_their_phones(custom):
    res = custom.nearest(ORIGIN, "shelter", limit=10)
    assert all(r.verified for r in res.results)
    assert "s-unverified-5" not in {r.id for r in res.results}
    assert "01811123456" not in {p for r in res.results for p in r.phones}


def test_staff_view_includes_unverified_marked(custom):
    res = custom.nearest(ORIGIN, "shelter", limit=3, staff=True)
    assert res.results[0].id == "s-unverified-5" and res.results[0].verified is False
    assert res.results[0].listed_on is None and res.results[0].confirmed_on is None
    assert res.results[0].phones == ["01811123456"]


def test_widening_returns_far_services_with_real_distances(custom):
    far = Point(24.5, 90.0)  # ~55 km north of the 100 km shelter
    res = custom.nearest(far, "legal_aid", limit=3)
    assert [r.id for r in res.results] == ["l-50"]
    assert res.results[0].distance_km == pytest.approx(1.05 * KM_PER_DEG_LAT, rel=1e-6)
    assert res.widened  # nothing within 50 km


def test_nearest_matches_a_full_scan(fresh):
    rng = random.Random(7)
    districts = list(G.districts.values())
    rows = []
    for n in range(400):
        d = rng.choice(districts)
        lat, lon = d.lat + rng.uniform(-0.3, 0.3), d.lon + rng.uniform(-0.3, 0.3)
        while not inside_bangladesh(lat, lon):  # near a border the box reaches India: the importer refuses those
            lat, lon = d.lat + rng.uniform(-0.3, 0.3), d.lon + rng.uniform(-0.3, 0.3)
        rows.append(svc(f"r{n}", lat, lon,
                        category=rng.choice(["shelter", "medical"]), verified=rng.choice(["yes", "no"]),
                        district=d.name_en))
    replace_services(fresh, rows)
    with fresh.engine.connect() as conn:
        every = conn.execute(select(Service.id, Service.lat, Service.lon, Service.category, Service.verified)).all()
        for _ in range(40):
            d = rng.choice(districts)
            lat, lon = d.lat + rng.uniform(-0.5, 0.5), d.lon + rng.uniform(-0.5, 0.5)
            for staff in (False, True):
                want = sorted((haversine_km(lat, lon, a, b), i) for i, a, b, c, v in every
                              if c == "medical" and (staff or v))[:5]
                got = nearest_ids(conn, lat, lon, "medical", 5, staff)
                assert [i for _, i in got] == [i for _, i in want]


def test_shipped_nearest_legal_aid_from_jashore(shipped):
    for origin in ("Jashore", "যশোরে", "ami jessore theke"):
        res = shipped.nearest(origin, "legal_aid", limit=3)
        first = res.results[0]
        assert first.name_en == "District Legal Aid Office, Jashore"
        assert first.distance_km == pytest.approx(0.0, abs=1e-6)
        assert first.coord_precision == "district" and first.verified and first.listed_on == dt.date(2026, 11, 1)
        assert first.confirmed_on is None  # the shipped list was compiled from sources: nobody has phoned
        assert [r.district for r in res.results[1:]] == ["Narail", "Magura"]


def test_shipped_upazila_service_sits_at_its_upazila_centre(shipped):
    res = shipped.nearest(resolve_text("Hathazari").place, "shelter", limit=1)
    r = res.results[0]
    assert r.upazila == "Hathazari" and r.district == "Chattogram" and r.coord_precision == "upazila"
    assert (r.lat, r.lon) == G.point_of("Chattogram", "Hathazari")[:2] != (G.districts["Chattogram"].lat,
                                                                           G.districts["Chattogram"].lon)


def test_user_facing_results_never_contain_unverified_rows(shipped):
    with shipped.engine.connect() as conn:
        unverified_phones = {p for (ph,) in conn.execute(select(Service.phones).where(Service.verified == False))  # noqa: E712
                             for p in ph}
    assert "01309007449" in unverified_phones  # the Khulna 2020 hotline row (verified=no)
    for d in G.districts.values():
        for cat in CATEGORIES:
            res = shipped.nearest(Point(d.lat, d.lon), cat, limit=5)
            for r in res.results + res.nationwide:
                assert r.verified, (d.name_en, cat, r.name_en)
                assert not set(r.phones) & unverified_phones


def test_staff_view_on_shipped_data_marks_unverified(shipped):
    res = shipped.nearest("Jashore", "shelter", limit=5, staff=True)
    rights = [r for r in res.results if r.name_en == "Rights Jessore"]
    assert rights and rights[0].verified is False
    assert "Rights Jessore" not in {r.name_en for r in shipped.nearest("Jashore", "shelter", limit=5).results}


def test_nationwide_services_are_listed_separately(shipped):
    res = shipped.nearest("Sylhet", "police", limit=3)
    assert [r.name_en for r in res.nationwide] == ["Child Affairs Desk (any police station)"]
    assert res.nationwide[0].distance_km is None and res.nationwide[0].nationwide


def test_dmp_phones_are_normalised(shipped):
    res = shipped.nearest("Dhaka", "police", limit=1)
    assert res.results[0].phones == ["01320042085", "01745774487", "0248118542"]


def test_outside_bangladesh_flag(shipped):
    assert shipped.nearest(Point(28.61, 77.21), "legal_aid").outside  # Delhi
    assert shipped.nearest(Point(26.5, 92.5), "legal_aid").outside  # in the bbox, but Assam
    assert shipped.nearest(Point(3.14, 101.69), "legal_aid").outside  # Kuala Lumpur
    res = shipped.nearest(Point(23.81, 90.41), "legal_aid")
    assert not res.outside and res.results
    for d in G.districts.values():
        assert inside_bangladesh(d.lat, d.lon)


def test_string_origin_must_resolve_to_one_place(shipped):
    with pytest.raises(PlaceNotResolved) as e:
        shipped.nearest("Sadar", "legal_aid")
    assert e.value.resolution.status == "ambiguous"
    with pytest.raises(PlaceNotResolved):
        shipped.nearest("asdfgh", "legal_aid")


def test_free_text_category_is_mapped_and_junk_rejected(shipped):
    assert shipped.nearest("Khulna", "safe home").category == "shelter"
    with pytest.raises(ValueError):
        shipped.nearest("Khulna", "pizza")


def test_hotlines_user_facing_are_verified_and_current(shipped):
    rows = shipped.hotlines()
    numbers = [h.number for h in rows]
    assert {"999", "109", "1098", "16430", "16767", "16357"} <= set(numbers)
    assert "10921" not in numbers and "16699" not in numbers and "09654333333" not in numbers
    assert all(h.verified and h.current and h.number for h in rows)
    staff = shipped.hotlines(staff=True)
    assert len(staff) == 22 and any(h.number is None for h in staff)
    assert "+8809610102030" in numbers  # the number for calling from abroad keeps its + form


def test_result_to_dict_shape(shipped):
    d = shipped.nearest("Jashore", "legal_aid", limit=1).to_dict()
    assert d["origin"]["type"] == "place" and d["outside"] is False
    row = d["results"][0]
    assert {"name", "category", "district", "upazila", "distance_km", "coord_precision", "phones", "verified",
            "listed_on", "confirmed_on", "source"} <= set(row) and "last_verified" not in row
    assert (row["listed_on"], row["confirmed_on"]) == ("2026-11-01", None)
