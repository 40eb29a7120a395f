"""The machine, the software versions, the date and the git commit of a run."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata

from bench.common import ROOT


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _meminfo() -> dict:
    out = {}
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("MemTotal", "MemAvailable"):
                    out[key] = round(int(rest.split()[0]) / 1024 / 1024, 2)  # GiB
    except OSError:
        pass
    return {"total_gib": out.get("MemTotal"), "available_gib": out.get("MemAvailable")}


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu_model": _cpu_model(),
            "cpu_count": os.cpu_count(), "cpus_usable": usable, "memory": _meminfo(),
            "hostname": platform.node()}


def versions() -> dict:
    import apsw

    v = {"python": sys.version.split()[0], "python_implementation": platform.python_implementation(),
         "apsw": apsw.apsw_version(), "sqlite (apsw)": apsw.sqlite_lib_version()}
    import sqlite3

    v["sqlite (stdlib sqlite3, exercise baseline)"] = sqlite3.sqlite_version
    for dist in ("numpy", "pandas", "scipy", "scikit-learn", "light-curve", "minibroker"):
        v[dist] = _version(dist)
    try:
        import light_curve

        v["light-curve"] = v["light-curve"] or getattr(light_curve, "__version__", None)
    except ImportError:
        pass
    return v


def git() -> dict:
    def cmd(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None

    head = cmd("rev-parse", "HEAD")
    if head is None or head.returncode != 0:
        return {"commit": None}
    # the previous run's results are not code: they differ from HEAD whenever it was not committed
    diff = cmd("diff", "--quiet", "HEAD", "--", ".", ":!bench/results.md", ":!bench/results.json")
    return {"commit": head.stdout.strip(), "tracked_changes": None if diff is None else diff.returncode != 0}


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
