"""``python -m minibroker.spark.bench``: Spark features against ``minibroker features`` on simulated data.

For each size: simulate (cached under --cache), load, then time on the same database
- ``minibroker features --jobs 2`` and ``--jobs 1`` (subprocesses, fresh copies, end to end);
- ``minibroker export`` of the tables features need (lcBands, objects, sourceFiles);
- the kernel alone (``minibroker.spark.kernels.band_features`` over the exported lcBands, one thread);
- ``spark features`` with SPARK_MASTER=local[1] and local[2], each in its own process: session start,
  a first (cold) run and a second (warm JVM and Python workers) run.
Writes a Markdown table and JSON to --out.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

DRIVER = r"""
import json, sys, time
t0 = time.perf_counter()
from minibroker.spark.session import get_session
from minibroker.spark.features import compute
spark = get_session("bench")
t1 = time.perf_counter()
cold = compute(spark, sys.argv[1]).seconds
w = compute(spark, sys.argv[1])
print(json.dumps({"session": t1 - t0, "cold": cold, "warm": w.seconds, "phases": w.phases}))
"""


def _run(argv, env=None) -> float:
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def kernel_seconds(export: Path, batch_rows: int = 10_000) -> tuple[float, int]:
    import pyarrow.parquet as pq
    import pyarrow.compute as pc

    from minibroker.spark.kernels import band_features

    table = pq.read_table(export / "lcBands", columns=["objId", "pb", "flux", "dflux"])
    table = table.filter(pc.is_in(table.column("pb"), value_set=__import__("pyarrow").array(list("griz"))))
    batches = table.to_batches(max_chunksize=batch_rows)
    t = time.perf_counter()
    n = sum(b.num_rows for b in band_features(iter(batches)))
    return time.perf_counter() - t, n


def bench_size(n: int, cache: Path, work: Path) -> dict:
    mb = [sys.executable, "-m", "minibroker.app.cli"]
    data = cache / f"sim-{n}"
    if not (data / ".done").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(mb + ["simulate", "--n", str(n), "--out", str(data), "--seed", "1", "--jobs", "2",
                             "--mix", "realistic"], check=True, stdout=subprocess.DEVNULL)
        (data / ".done").write_text("")
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"bench-{n}.db"
    if not db.exists():
        subprocess.run(mb + ["load", "--db", str(db), "--dataset", "sim", "--jobs", "2", str(data)],
                       check=True, stdout=subprocess.DEVNULL)
    out = {"objects": n}
    for jobs in (2, 1):
        copy = work / "copy.db"
        shutil.copy(db, copy)
        out[f"sqlite_jobs{jobs}"] = _run(mb + ["features", "--db", str(copy), "--jobs", str(jobs)])
        copy.unlink()
    export = work / f"export-{n}"
    shutil.rmtree(export, ignore_errors=True)
    out["export"] = _run(mb + ["export", "--db", str(db), "--out", str(export),
                               "--table", "lcBands", "--table", "objects", "--table", "sourceFiles"])
    out["kernel"], out["bands"] = kernel_seconds(export)
    for master in ("local[1]", "local[2]"):
        env = {**os.environ, "SPARK_MASTER": master}
        res = subprocess.run([sys.executable, "-c", DRIVER, str(export)], check=True, capture_output=True,
                             text=True, env=env)
        out[master] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def table(results: list[dict]) -> str:
    lines = ["| objects | bands | make features JOBS=2 | JOBS=1 | export | kernel alone (1 thread) | "
             "Spark session start | local[1] cold / warm | local[2] cold / warm | warm local[2] ÷ JOBS=2 | local[1]→[2] speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        l1, l2 = r["local[1]"], r["local[2]"]
        lines.append(
            f"| {r['objects']:,} | {r['bands']:,} | {r['sqlite_jobs2']:.2f} s | {r['sqlite_jobs1']:.2f} s | "
            f"{r['export']:.2f} s | {r['kernel']:.2f} s | {l2['session']:.1f} s | {l1['cold']:.1f} / {l1['warm']:.1f} s | "
            f"{l2['cold']:.1f} / {l2['warm']:.1f} s | {l2['warm'] / r['sqlite_jobs2']:.1f}× | {l1['warm'] / l2['warm']:.2f}× |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m minibroker.spark.bench", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000", help="comma-separated object counts (default 10000)")
    p.add_argument("--cache", default="bench/cache", help="where simulated data are kept")
    p.add_argument("--work", default="/tmp/minibroker-spark-bench", help="scratch directory for databases and exports")
    p.add_argument("--out", default="bench", help="directory for spark_results.md/json")
    args = p.parse_args(argv)
    results = [bench_size(int(n), Path(args.cache), Path(args.work)) for n in args.sizes.split(",")]
    out = Path(args.out)
    (out / "spark_results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "spark_results.md").write_text(table(results))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
