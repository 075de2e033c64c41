"""Smoke test of benchmarks/bench_directory.py on a tiny data set (the real run is `make bench`)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_script_runs_and_writes_its_report(tmp_path):
    out = tmp_path / "directory.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_directory.py"), "--services", "3000",
                        "--queries", "30", "--baseline-queries", "5", "--no-pg", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["services"] == 3000
    assert {"p50_ms", "p95_ms"} <= set(report["resolve"]) and {"p50_ms", "p95_ms"} <= set(report["sqlite"]["nearest5"])
    assert report["sqlite"]["baseline_result_mismatches"] == 0
    assert report["postgresql"] == {"skipped": "--no-pg"} and report["peak_rss_mb"] > 0
