"""Smoke test of the benchmark harness (``python -m bench``): tiny sizes, one repeat.

Asserts that the harness runs end to end and writes results.md and results.json naming the
cases and the versions; it asserts nothing about speed.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def test_bench_smoke(tmp_path):
    import light_curve  # noqa: F401 (the bench's baseline: installed with the test extra; fails loudly if not)

    cmd = [sys.executable, "-m", "bench", "--sizes", "6,12", "--repeats", "1", "--cases", "load,features",
           "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--baseline-objects", "4",
           "--quiet"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (tmp_path / "out" / "results.md").read_text()
    res = json.loads((tmp_path / "out" / "results.json").read_text())

    for heading in ("## Targets", "## Load (rows/s)", "## Features", "## Scaling and memory"):
        assert heading in md
    for name in ("minibroker load", "ceiling", "exercise bulk", "light-curve", "kernel alone", "apsw", "numpy", "pandas"):
        assert name in md
    assert set(res["load"]) == {"6", "12"} and set(res["features"]) == {"6", "12"}
    for key in ("minibroker", "per_row", "bulk", "ceiling"):
        assert res["load"]["12"][key]["rate"]["median"] > 0
    for key in ("minibroker", "exercise", "light_curve", "kernel"):
        assert res["features"]["12"][key]["rate"]["median"] > 0
    assert res["load"]["12"]["minibroker"]["rows"] > 0
    v = res["meta"]["versions"]
    for key in ("python", "numpy", "pandas", "apsw", "sqlite (apsw)", "scikit-learn", "light-curve"):
        assert v.get(key), key
    assert res["meta"]["machine"]["cpu_count"] >= 1
    assert res["scaling"]["load"]["ratio"] is not None
    assert any(t["case"] == "features" for t in res["targets"])
    # the datasets are cached: a second run reuses them
    assert (tmp_path / "cache" / "sim-6-seed0" / ".complete.json").is_file()


def test_bench_help():
    proc = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0
    assert "--sizes" in proc.stdout and "--repeats" in proc.stdout
