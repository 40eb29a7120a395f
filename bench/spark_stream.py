"""The Spark stream case: alerts/s of ``minibroker spark stream`` (Structured Streaming, local[N])
against ``minibroker stream`` (SQLite) on the same Kafka messages of the real test broker
(tools/kafka/kafka.py, started here and stopped at the end).

Alerts: bench/stream.py's first visit (``n`` objects, each alert with ``history`` earlier detections
and forced measurements, every measurement new), one topic of ``partitions`` partitions, both jobs
reading it from the beginning in micro-batches of ``batch`` messages, both with a trained model
(``--model-db`` / the database's own). Per micro-batch each tool prints its own time (decode, store,
features, classes; Spark: from foreachBatch's call to the batch's completion marker); wall times
include the start (Spark: the JVM, the connector from the Ivy cache, the session).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import minibroker_exe, remove_db
from bench.stream import model_db, write_visits

ROOT = Path(__file__).resolve().parents[1]
SQLITE_LINE = re.compile(r": (\d+) alerts.* in ([\d.]+) s \(")
SPARK_LINE = re.compile(r": batch \d+: (\d+) alerts.* in ([\d.]+) s \(")


def _kafka_tool():
    spec = importlib.util.spec_from_file_location("minibroker_kafka_tool", ROOT / "tools" / "kafka" / "kafka.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def produce(config: dict, topic: str, path: Path) -> int:
    import fastavro
    from confluent_kafka import Producer

    from minibroker.stream.decode import encode_message

    producer = Producer({**config, "linger.ms": 20, "message.max.bytes": 8 << 20})
    n = 0
    with open(path, "rb") as fh:
        for r in fastavro.reader(fh):
            producer.produce(topic, key=str(r["diaObject"]["diaObjectId"]).encode(), value=encode_message(r))
            n += 1
            producer.poll(0)
    producer.flush(120)
    return n


def timed(cmd: list[str], pattern: re.Pattern, env: dict | None = None) -> dict:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {out.stderr.strip()[-500:]}")
    batches = [(int(a), float(s)) for a, s in pattern.findall(out.stdout)]
    batches = [b for b in batches if b[0] > 0]
    alerts = sum(a for a, _ in batches)
    seconds = sum(s for _, s in batches)
    return {"wall": wall, "batches": len(batches), "alerts": alerts, "batch_seconds": seconds,
            "alerts_per_s": alerts / seconds if seconds else 0.0, "per_batch": batches}


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m bench.spark_stream", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="objects (alerts) (default 2000)")
    p.add_argument("--history", type=int, default=30)
    p.add_argument("--batch", type=int, default=1000, help="messages per micro-batch (default 1000)")
    p.add_argument("--partitions", type=int, default=2)
    p.add_argument("--work", type=Path, default=Path("bench/cache/spark-stream-work"))
    p.add_argument("--cache", type=Path, default=Path("bench/cache"))
    a = p.parse_args(argv)
    work = a.work.resolve()
    if work.exists():
        shutil.rmtree(work / "run", ignore_errors=True)
    (work / "run").mkdir(parents=True, exist_ok=True)
    model = model_db(a.cache / "stream-work" / "model", log=lambda s: print(s, flush=True))
    first = write_visits(a.cache / f"alerts-{a.n}-h{a.history}", a.n, a.history)[0]
    tool = _kafka_tool()
    broker = tool.KafkaBroker(work / "run" / "kafka").start()
    try:
        topic = broker.create_topic("bench-alerts", partitions=a.partitions)
        n = produce(broker.client_config(), topic, first)
        url = f"kafka://{broker.bootstrap}/{topic}"
        exe = minibroker_exe()
        db = work / "run" / "sqlite.db"
        remove_db(db)
        shutil.copy(model, db)
        print(f"{n} alerts on {topic}; minibroker stream", flush=True)
        sqlite = timed([exe, "stream", "--db", str(db), "--dataset", "bench", "--jobs", "1", "--no-filters",
                        "--batch", str(a.batch), url], SQLITE_LINE)
        print("minibroker spark stream", flush=True)
        spark = timed([exe, "spark", "stream", url, "--checkpoint", str(work / "run" / "ck"), "--out",
                       str(work / "run" / "out"), "--max-offsets", str(a.batch), "--model-db", str(model)], SPARK_LINE,
                      env={"SPARK_MASTER": os.environ.get("SPARK_MASTER", "local[2]")})
    finally:
        broker.stop()
    import json

    for marker in sorted((work / "run" / "out" / "_batches").glob("batch=*.json")):
        info = json.loads(marker.read_text())
        print(f"spark batch {info['batch']}: {info['alerts']} alerts, {info['seconds']} s: {info['phases']}")
    for name, r in (("minibroker stream (SQLite, --jobs 1)", sqlite), ("minibroker spark stream (local[2])", spark)):
        print(f"{name}: {r['alerts']} alerts in {r['batches']} batches of <= {a.batch}: {r['batch_seconds']:.1f} s "
              f"in batches ({r['alerts_per_s']:,.0f} alerts/s), {r['wall']:.1f} s wall; per batch "
              f"{[round(s, 1) for _, s in r['per_batch']]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
