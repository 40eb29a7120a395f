"""Smoke test of the stream benchmark case: tiny visit files, one repeat; asserts the harness runs
and reports end-to-end rates, latency and the fastavro ceiling, nothing about speed."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stream_bench_smoke(tmp_path):
    cmd = [sys.executable, "-m", "bench", "--cases", "stream", "--stream-sizes", "40", "--stream-train", "60",
           "--stream-sustained", "2", "--stream-cadence", "2",
           "--repeats", "1", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--quiet"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (tmp_path / "out" / "results.md").read_text()
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "## Alert stream" in md
    r = res["stream"]["40"]
    for visit in ("first_visit", "next_visit"):
        assert r[visit]["alerts"] == 40  # every alert of the visit stored
        assert r[visit]["latency"] > 0 and r[visit]["rate"] > 0
    assert [c["alerts"] for c in r["fastavro"]] == [40, 40]
    sus = r["sustained"]
    assert sus["visits"] == 2 and len(sus["latencies"]) == 2 and sus["alerts"] == 80
    assert 0 < sus["p50"] <= sus["p99"] == sus["max"]
    assert "### Keeping up" in md
