"""``python -m minibroker.portal.bench``: how long the object page takes server-side on a large database.

Builds (once, cached at --db) a database through the real pipeline: --objects light curves of 3
simple classes with 24 points each (2,000 labelled for training, the rest to predict), one object
``BIG1000`` with 1,000 measurements, features, a random forest, predictions, anomaly ranks and a
GP for BIG1000. Then renders ``/objects/one/BIG1000`` (HTML and JSON) through datasette in this
process, --repeats times, and prints the median and the slowest, with the query plan of every
portal query (each must search by an index, never scan a large table).
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from minibroker.core.sqlfiles import render

PLANNED = ("queries/portal/object.sql", "queries/portal/headers.sql", "queries/portal/photometry.sql", "queries/portal/rejects.sql", "queries/portal/gp.sql", "queries/portal/gp_features.sql",
           "queries/portal/predictions.sql", "queries/portal/anomaly.sql", "queries/portal/features.sql")


PAGES = ("/objects/one/BIG1000", "/objects/big/BIG000001", "/objects/one/BIG1000/percentiles.json",
         "/objects/one/BIG1000.json", "/minibroker/candidateList", "/minibroker/anomalyRanking")
NOTES = {
    "/objects/one/BIG1000": "the HTML page",
    "/objects/big/BIG000001": "the HTML page",
    "/objects/one/BIG1000/percentiles.json": "fetched by the page after it renders: scans the object's class",
    "/objects/one/BIG1000.json": "the download: everything, percentiles included",
    "/minibroker/candidateList": "a list: first 50 of 98,000 by probability, count, facets by dataset and class",
    "/minibroker/anomalyRanking": "a list: first 50 of 98,000 by anomaly score, count, facets",
}


def _write(path: Path, rng, label: int | None, n: int) -> None:
    t = np.sort(rng.uniform(60000, 60300, n))
    pb = rng.choice(list("ugrizy"), n)
    base = {0: 50.0, 1: 200.0, 2: 20.0}[label if label is not None else int(rng.integers(3))]
    flux = base * (1 + 0.3 * np.sin(t / rng.uniform(3, 30))) + rng.normal(0, 5, n)
    lines = [f"#ID:{path.stem}"]
    if label is not None:
        lines += [f"#type:{('flat', 'bright', 'faint')[label]}", f"#label:{label}"]
    lines.append("t pb flux dflux")
    lines += [f"{a:.5f} {b} {c:.4f} 5.0" for a, b, c in zip(t, pb, flux)]
    path.write_text("\n".join(lines) + "\n")


def build(db: Path, objects: int, work: Path) -> None:
    from minibroker.database import connect
    from minibroker.features.pipeline import compute
    from minibroker.gp.store import compute as gp_compute
    from minibroker.loader.load import list_files, load_files
    from minibroker.model.anomalies import score
    from minibroker.model.predict import predict
    from minibroker.model.train import train

    rng = np.random.default_rng(0)
    n_train = min(2000, objects // 2)
    for name, count, labelled in (("train", n_train, True), ("big", objects - n_train - 1, False)):
        d = work / name
        d.mkdir(parents=True, exist_ok=True)
        for k in range(count):
            _write(d / f"{name.upper()}{k:06d}.dat", rng, k % 3 if labelled else None, 24)
    (work / "one").mkdir(exist_ok=True)
    _write(work / "one" / "BIG1000.dat", rng, None, 1000)
    conn = connect(db)
    for name in ("train", "big", "one"):
        load_files(conn, list_files(work / name), name)
    compute(conn)
    train(conn, "train", models=["rf"])
    for name in ("big", "one"):
        predict(conn, name)
        score(conn, name, top=None) if name == "big" else None
    gp_compute(conn, "one")
    conn.close()


def plans(db: Path) -> list[tuple[str, str]]:
    import apsw
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    out = []
    for name in PLANNED:
        sql = render(name)
        params = {p: 1 for p in ("objId", "fileId")} | {"dataset": "one", "name": "BIG1000"}
        used = {k: v for k, v in params.items() if f":{k}" in sql}
        rows = conn.execute("explain query plan " + sql, used).fetchall()
        out.append((name, "; ".join(r[-1] for r in rows)))
    conn.close()
    return out


def measure(db: Path, repeats: int) -> dict:
    from minibroker.portal.server import make_app

    ds = make_app(db)

    async def timed(path):
        t0 = time.perf_counter()
        r = await ds.client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return time.perf_counter() - t0

    async def run():
        out = {}
        for path in PAGES:
            await timed(path)   # warm: class names, the schema
            out[path] = [await timed(path) for _ in range(repeats)]
        return out
    return asyncio.run(run())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m minibroker.portal.bench", description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=Path("bench/cache/portal-100000.db"), help="database (built if missing)")
    p.add_argument("--objects", type=int, default=100_000, help="objects in the database it builds")
    p.add_argument("--repeats", type=int, default=20, help="renders of each page")
    p.add_argument("--out", type=Path, default=None, help="also write the results as markdown here")
    args = p.parse_args(argv)
    if not args.db.exists():
        work = args.db.parent / (args.db.stem + "-files")
        args.db.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        build(args.db, args.objects, work)
        print(f"built {args.db} with {args.objects} objects in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    import apsw
    conn = apsw.Connection(str(args.db), flags=apsw.SQLITE_OPEN_READONLY)
    n_obj, = conn.execute("select count(*) from objects").fetchone()
    n_big, = conn.execute("select count(*) from rawPhot join objects using (objId) where name = 'BIG1000'").fetchone()
    conn.close()
    lines = [f"## Portal pages, server-side ({n_obj:,} objects in the database)", "",
             "| request | measurements | median ms | slowest ms | what |", "|---|---:|---:|---:|---|"]
    for path, secs in measure(args.db, args.repeats).items():
        n = n_big if "BIG1000" in path else 24 if "BIG0" in path else ""
        lines.append(f"| `{path}` | {n} | {1000 * statistics.median(secs):.1f} | {1000 * max(secs):.1f} | {NOTES[path]} |")
    lines += ["", f"Through datasette's in-process client (no network), {args.repeats} requests each after one to warm up; "
              "the class has ~1/3 of the objects.", "", "Query plans (each searches by an index):", ""]
    lines += [f"- `{name}`: {plan}" for name, plan in plans(args.db)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
