"""Benchmark: what 10 stream filters and a 10^5-source watchlist add to a batch.

``python -m minibroker.filters.bench [--objects 10000] [--sources 100000] [--out bench/filters_results.md]``

A. The per-batch step alone (``Engine.after_batch``) on a batch touching every object of a
   simulated survey (10^4 by default; features, a trained model and its predictions stored), with
   one alert per object at a random sky position (1% of them inside a watchlist source): 10
   filters (the 4 shipped ones and 6 variants with other thresholds, delivering to JSON lines)
   and the watchlist, then the watchlist alone, then the filters alone.
B. The stream end to end on simulated alert files, ``minibroker stream`` with ``--no-filters``
   and with the filters and the watchlist, fresh databases, in the same run: the rate ratio.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from minibroker.analyst.sql import FILTERS_DIR
from minibroker.database import connect

VARIANTS = {  # name: (shipped file, parameter, new default)
    "young_rising_10d": ("young_rising", "maxAge", "10"),
    "young_rising_5sigma": ("young_rising", "riseSigma", "5"),
    "likely_snia_80": ("likely_snia", "minScore", "0.8"),
    "likely_snia_95": ("likely_snia", "minScore", "0.95"),
    "large_amplitude_30": ("large_amplitude", "minSigma", "30"),
    "large_amplitude_3bands": ("large_amplitude", "minBands", "3"),
}
SHIPPED = ("young_rising", "likely_snia", "large_amplitude", "near_watchlist")


def filter_dir(out: Path) -> Path:
    """The 10 filters, each delivering to a JSON-lines file only."""
    out.mkdir(parents=True, exist_ok=True)

    def jsonl_only(text):
        return re.sub(r"^-- deliver:.*\n", "", text, flags=re.MULTILINE).replace(
            "-- stream: true\n", "-- stream: true\n-- deliver: jsonl\n", 1)

    for name in SHIPPED:
        (out / f"{name}.sql").write_text(jsonl_only((FILTERS_DIR / f"{name}.sql").read_text()))
    for name, (base, param, value) in VARIANTS.items():
        text = jsonl_only((FILTERS_DIR / f"{base}.sql").read_text())
        text = re.sub(rf"^(--\s*:{param}\s*=\s*)\S+", rf"\g<1>{value}", text, flags=re.MULTILINE)
        (out / f"{name}.sql").write_text(text)
    return out


def random_sky(rng, n):
    return rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))


def write_watchlist(path: Path, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    ra, dec = random_sky(rng, n)
    radius = rng.uniform(1, 5, n)
    with path.open("w") as fh:
        fh.write("name,ra,dec,radius\n")
        for i in range(n):
            fh.write(f"src{i},{float(ra[i])!r},{float(dec[i])!r},{float(radius[i])!r}\n")
    return ra, dec


def part_a(work: Path, n_objects: int, n_sources: int, repeats: int) -> dict:
    from minibroker.features.pipeline import compute
    from minibroker.filters import watchlist
    from minibroker.filters.run import Engine
    from minibroker.loader.load import list_files, load_files
    from minibroker.model.predict import predict
    from minibroker.model.train import train
    from minibroker.sim.run import simulate

    rng = np.random.default_rng(1)
    simulate(n_objects, work / "sim", seed=3, mix="balanced", jobs=2)
    db = work / "a.db"
    conn = connect(db)
    load_files(conn, list_files(work / "sim"), "sim", jobs=2, progress=False)
    compute(conn, progress=False)
    train(conn, "sim", models=["rf"])
    predict(conn, "sim")
    sra, sdec = write_watchlist(work / "w.csv", n_sources, rng)
    t0 = time.perf_counter()
    watchlist.load(conn, "big", work / "w.csv")
    load_seconds = time.perf_counter() - t0
    ids = [r[0] for r in conn.execute("select objId from objects order by objId")]
    conn.close()
    fdir = filter_dir(work / "filters")
    empty = work / "nofilters"
    empty.mkdir()
    out = {"objects": len(ids), "sources": n_sources, "watchlist_load_s": load_seconds, "runs": []}
    next_id = [1]

    def batch():
        ra, dec = random_sky(rng, len(ids))
        near = rng.choice(len(ids), len(ids) // 100, replace=False)
        pick = rng.choice(n_sources, near.size)
        ra[near], dec[near] = sra[pick], sdec[pick]
        alerts = [{"diaSourceId": next_id[0] + i, "objId": o, "ra": float(ra[i]), "dec": float(dec[i]),
                   "mjd": 61000.0, "band": "r"} for i, o in enumerate(ids)]
        next_id[0] += len(ids)
        return alerts

    for label, directory, with_watchlist in (("10 filters + watchlist", fdir, True),
                                             ("watchlist only", empty, True),
                                             ("10 filters only", fdir, False)):
        engine = Engine(db, filters_dir=directory, deliveries_dir=work / "out")
        times, hits, matches = [], [], []
        for _ in range(repeats):
            alerts = batch()
            if not with_watchlist:
                alerts = [{**a, "ra": None, "dec": None} for a in alerts]
            t0 = time.perf_counter()
            s = engine.after_batch(ids, {"id": f"{label}-{next_id[0]}", "alerts": alerts})
            times.append(time.perf_counter() - t0)
            hits.append(s.watchlist_hits)
            matches.append(s.matches)
            per_filter = {r.name: round(r.seconds, 3) for r in s.results}
            assert not s.failed, s.line()
        engine.close()
        out["runs"].append({"case": label, "seconds": times, "hits": hits, "matches": matches,
                            "per_filter": per_filter})
    return out


def part_b(work: Path, n_objects: int, nights: int, n_sources: int) -> dict:
    from minibroker.stream.simulate import simulate_alerts

    alerts = work / "alerts"
    info = simulate_alerts(n_objects, alerts, seed=1, mix="SNIa=1,AGN=1,RRLyrae=1,Mdwarf=1",
                           nights=nights, first_night=61200)
    write_watchlist(work / "wb.csv", n_sources, np.random.default_rng(2))
    fdir = filter_dir(work / "filters_b")
    out = {"alerts": info["alerts"], "files": info["files"], "cases": {}}
    for label, extra in (("without", ["--no-filters"]), ("with", [])):
        db = work / f"b_{label}.db"
        if label == "with":
            subprocess.run([sys.executable, "-m", "minibroker.app.cli", "watchlist", "--db", str(db), "--name", "big",
                            str(work / "wb.csv")], check=True, capture_output=True)
        else:
            connect(db).close()
        env = {**__import__("os").environ, "MINIBROKER_FILTERS": str(fdir),
               "MINIBROKER_DELIVERIES": str(work / "out_b")}
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "stream", "--db", str(db), "--jobs", "1", *extra,
                            str(alerts)], capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - t0
        if r.returncode != 0:
            raise SystemExit(f"stream failed: {r.stderr}")
        out["cases"][label] = {"seconds": seconds, "rate": info["alerts"] / seconds}
    out["ratio"] = out["cases"]["with"]["rate"] / out["cases"]["without"]["rate"]
    return out


def report(a: dict, b: dict | None) -> str:
    lines = ["# Filters and watchlists: benchmark", "",
             f"A. The per-batch step on one batch touching {a['objects']:,} objects (one alert each), "
             f"watchlist of {a['sources']:,} sources (loaded in {a['watchlist_load_s']:.1f} s). Median of "
             f"{len(a['runs'][0]['seconds'])} batches.", "",
             "| case | seconds per batch | objects/s | watchlist hits | new matches |", "|---|---:|---:|---:|---:|"]
    for r in a["runs"]:
        med = float(np.median(r["seconds"]))
        lines.append(f"| {r['case']} | {med:.2f} | {a['objects'] / med:,.0f} | {int(np.median(r['hits']))} | "
                     f"{int(np.median(r['matches']))} |")
    lines += ["", "Per filter (last batch, seconds): " + ", ".join(
        f"{k} {v}" for k, v in a["runs"][0]["per_filter"].items())]
    if b:
        lines += ["", f"B. `minibroker stream` on {b['alerts']:,} simulated alerts in {b['files']} nightly files, "
                  "fresh databases, same run:", "", "| case | seconds | alerts/s |", "|---|---:|---:|"]
        for label, c in b["cases"].items():
            lines.append(f"| {label} filters + watchlist | {c['seconds']:.1f} | {c['rate']:,.0f} |")
        lines += ["", f"Ratio with/without: **{b['ratio']:.2f}x** (goal >= 0.8x)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m minibroker.filters.bench", description=__doc__.splitlines()[0])
    p.add_argument("--objects", type=int, default=10_000)
    p.add_argument("--sources", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--stream-objects", type=int, default=1000, help="objects of part B (0: skip it)")
    p.add_argument("--stream-nights", type=int, default=40)
    p.add_argument("--out", default="bench/filters_results.md")
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="minibroker-filters-bench-"))
    try:
        a = part_a(work, args.objects, args.sources, args.repeats)
        Path(args.out).write_text(report(a, None))  # part A is kept if part B fails
        b = part_b(work, args.stream_objects, args.stream_nights, args.sources) if args.stream_objects else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(a, b)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
