#!/usr/bin/env python3
"""Referral directory benchmark (a script, not a test).

Generates synthetic services spread over Bangladesh (default 100,000) into a temporary SQLite file
and, when reachable, a temporary PostgreSQL database; reports nearest-5 latency p50/p95 on each,
the ratio against a baseline full scan of the category with Python haversine, resolve() latency
p50/p95 and peak memory. Writes var/bench/directory.json.

Also: which upazila holds a GPS point (OCHA polygons), p50/p95 over random points in Bangladesh's box,
and the memory the polygon index adds to the process.

Targets: nearest-5 p95 <= 5 ms over 100k services on SQLite; resolve p95 <= 2 ms; point-to-upazila p95
<= 2 ms, adding at most 50 MB.

    python benchmarks/bench_directory.py [--services 100000] [--queries 1000] [--no-pg]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from referral_directory import CATEGORIES, Directory, Point, resolve_text  # noqa: E402
from referral_directory import gazetteer as gz  # noqa: E402
from referral_directory.geo import cell_of, haversine_km, inside_bangladesh  # noqa: E402
from referral_directory.models import Service  # noqa: E402
from referral_directory.resolve import warm  # noqa: E402

PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/{db}")


def pct(values: list, p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def summary(ms: list) -> dict:
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 3), "p95_ms": round(pct(ms, 95), 3),
            "max_ms": round(max(ms), 3), "mean_ms": round(statistics.fmean(ms), 3)}


def random_point(rng: random.Random, districts: list) -> tuple:
    """A point inside Bangladesh near a random district HQ (spread ~25 km)."""
    while True:
        d = rng.choice(districts)
        lat, lon = rng.gauss(d.lat, 0.22), rng.gauss(d.lon, 0.22)
        if inside_bangladesh(lat, lon):
            return d, lat, lon


def synthetic_rows(n: int, seed: int = 1) -> list:
    rng = random.Random(seed)
    districts = list(gz.load().districts.values())
    now = dt.datetime(2026, 11, 28)
    rows = []
    for i in range(n):
        d, lat, lon = random_point(rng, districts)
        verified = rng.random() < 0.7
        rows.append({"id": f"bench-{i:06d}", "name_en": f"Synthetic service {i}", "name_bn": None,
                     "category": rng.choice(CATEGORIES), "division": d.division, "district": d.name_en,
                     "upazila": None, "nationwide": False, "address": None, "phones": ["01711123456"],
                     "hours": None, "lat": lat, "lon": lon, "coord_precision": "exact", "cell": cell_of(lat, lon),
                     "serves": "everyone",
                     "source": "synthetic (benchmark)", "verified": verified,
                     "listed_on": dt.date(2026, 11, 1) if verified else None, "confirmed_on": None, "notes": None,
                     "updated_at": now})
    return rows


def load(d: Directory, rows: list) -> float:
    t = time.perf_counter()
    with d.engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(Service.__table__.insert(), rows[i:i + 5000])
    with d.engine.begin() as conn:
        conn.execute(text("ANALYZE" if d.engine.dialect.name == "sqlite" else "ANALYZE rd_services"))
    return time.perf_counter() - t


def queries(n: int, seed: int = 2) -> list:
    rng = random.Random(seed)
    districts = list(gz.load().districts.values())
    return [(Point(*random_point(rng, districts)[1:]), rng.choice(CATEGORIES)) for _ in range(n)]


def bench_nearest(d: Directory, qs: list, baseline_n: int) -> dict:
    for p, c in qs[:50]:  # warm caches and the pool
        d.nearest(p, c, limit=5)
    ms = []
    for p, c in qs:
        t = time.perf_counter()
        res = d.nearest(p, c, limit=5)
        ms.append((time.perf_counter() - t) * 1000)
        assert len(res.results) == 5
    # baseline: read the whole category, haversine in Python, sort
    t_tab = Service.__table__
    base_ms, mismatches = [], 0
    with d.engine.connect() as conn:
        for p, c in qs[:baseline_n]:
            t = time.perf_counter()
            rows = conn.execute(select(t_tab.c.id, t_tab.c.lat, t_tab.c.lon).where(
                t_tab.c.category == c, t_tab.c.verified == True, t_tab.c.lat.isnot(None))).all()  # noqa: E712
            best = sorted((haversine_km(p.lat, p.lon, a, b), i) for i, a, b in rows)[:5]
            base_ms.append((time.perf_counter() - t) * 1000)
            got = [r.id for r in d.nearest(p, c, limit=5).results]
            mismatches += got != [i for _, i in best]
    out = {"nearest5": summary(ms), "baseline_full_scan": summary(base_ms),
           "speedup_p50": round(pct(base_ms, 50) / pct(ms, 50), 1),
           "speedup_p95": round(pct(base_ms, 95) / pct(ms, 95), 1),
           "baseline_result_mismatches": mismatches}
    return out


def resolve_corpus() -> list:
    g = gz.load()
    texts = []
    for d in g.districts.values():
        texts += [d.name_en, d.name_bn, d.name_bn + "ে", f"ami {d.name_en.lower()} theke aschi, amake help koro",
                  f"আমি {d.name_bn} থেকে বলছি", f"{d.name_en.lower()[:-1]}"]
    for u in list(g.upazilas.values()):
        texts += [u.name_en, f"I live near {u.name_en} in {u.district}"]
    texts += ["Sadar", "jesor", "chittagang", "ctg", "coxs bazar", "I live near Benapole", "asdfgh", "cricket",
              "amar biye dicche, ami ki korbo", "amar basha narayangong er kache, ekhane kono shelter ache?"]
    return texts


def bench_resolve() -> dict:
    build_s = warm()
    ms = []
    for t in resolve_corpus():
        t0 = time.perf_counter()
        resolve_text(t)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"index_build_s": round(build_s, 3), **summary(ms)}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def bench_point_to_upazila(n: int = 5000, seed: int = 3) -> dict:
    from referral_directory.geo import upazila_at
    from referral_directory.upazila_shapes import upazila_shapes

    before = rss_mb()
    t0 = time.perf_counter()
    upazila_shapes()
    load_s = time.perf_counter() - t0
    added = rss_mb() - before
    rng = random.Random(seed)
    ms, inside = [], 0
    for _ in range(n):
        lat, lon = rng.uniform(20.5, 26.7), rng.uniform(88.0, 92.7)
        t1 = time.perf_counter()
        inside += upazila_at(lat, lon) is not None
        ms.append((time.perf_counter() - t1) * 1000)
    return {"load_s": round(load_s, 3), "rss_added_mb": round(added, 1), "points": n, "inside": inside, **summary(ms)}


def pg_admin():
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3)
    conn.autocommit = True
    return conn


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--baseline-queries", type=int, default=100)
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--out", default=str(ROOT / "var" / "bench" / "directory.json"))
    args = ap.parse_args()

    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
              "machine": f"{platform.machine()}, {os.cpu_count()} cpu", "services": args.services,
              "queries": args.queries, "targets": {"sqlite_nearest5_p95_ms": 5.0, "resolve_p95_ms": 2.0,
                                                   "point_to_upazila_p95_ms": 2.0, "point_to_upazila_rss_mb": 50.0}}
    print("point to upazila ...", flush=True)
    report["point_to_upazila"] = bench_point_to_upazila()
    p2u = report["point_to_upazila"]
    print(f"  p50 {p2u['p50_ms']} ms, p95 {p2u['p95_ms']} ms; index load {p2u['load_s']} s, +{p2u['rss_added_mb']} MB",
          flush=True)
    print("resolve ...", flush=True)
    report["resolve"] = bench_resolve()
    print(f"  p50 {report['resolve']['p50_ms']} ms, p95 {report['resolve']['p95_ms']} ms", flush=True)

    rows = synthetic_rows(args.services)
    qs = queries(args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"sqlite: loading {len(rows)} services ...", flush=True)
        d = Directory.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            load_s = load(d, rows)
            report["sqlite"] = {"load_s": round(load_s, 1), **bench_nearest(d, qs, args.baseline_queries)}
        finally:
            d.close()
        s = report["sqlite"]
        print(f"  nearest-5 p50 {s['nearest5']['p50_ms']} ms, p95 {s['nearest5']['p95_ms']} ms; "
              f"full scan p50 {s['baseline_full_scan']['p50_ms']} ms (x{s['speedup_p50']})", flush=True)

    if args.no_pg:
        report["postgresql"] = {"skipped": "--no-pg"}
    else:
        name = f"rd_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        try:
            admin = pg_admin()
        except Exception as e:
            report["postgresql"] = {"skipped": f"unreachable: {str(e).strip()}"}
        else:
            with admin.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
            try:
                print(f"postgresql: loading {len(rows)} services ...", flush=True)
                d = Directory.open(PG_URL.format(db=name))
                try:
                    load_s = load(d, rows)
                    report["postgresql"] = {"load_s": round(load_s, 1),
                                            **bench_nearest(d, qs, args.baseline_queries)}
                finally:
                    d.close()
                s = report["postgresql"]
                print(f"  nearest-5 p50 {s['nearest5']['p50_ms']} ms, p95 {s['nearest5']['p95_ms']} ms; "
                      f"full scan p50 {s['baseline_full_scan']['p50_ms']} ms (x{s['speedup_p50']})", flush=True)
            finally:
                with admin.cursor() as cur:
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()

    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["met"] = {"sqlite_nearest5_p95": report["sqlite"]["nearest5"]["p95_ms"] <= 5.0,
                     "resolve_p95": report["resolve"]["p95_ms"] <= 2.0}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"peak RSS {report['peak_rss_mb']} MB; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
