"""``minibroker spark stream``: Spark Structured Streaming over the Kafka alert topic.

Spark's Kafka source (the ``spark-sql-kafka-0-10`` connector, resolved from Maven Central through
``spark.jars.packages``) reads ``kafka://host:port/topic``; each micro-batch is handled by
``foreachBatch``:

1. the messages are decoded on the executors by the SQLite stream's own decoder
   (``stream_kernels.decode_kafka``, ``mapInArrow``);
2. the alerts, detections and forced measurements no earlier batch stored are written to
   ``OUT/<table>/batch=N`` (tables ``alerts``, ``diaSources``, ``diaForcedSources``, ``failures``);
3. for the objects with a new usable measurement, lcBands are built from all their measurements so
   far as the SQLite stream builds rawPhot, and the features are computed by the kernel and the
   ``features/wide.sql.j2`` template of ``spark features`` (``lcFeats``, ``lcBandStats``);
4. with ``--model-db``, they are classified by that database's chosen model (``predictions``);
5. ``OUT/_batches/batch=N.json`` is written last (a rename): the batch is complete.

Exactly once: Spark's checkpoint records each batch's offsets before it runs and its end after, so a
killed job re-runs the unfinished batch with the same offsets. A batch with a marker is skipped; one
without has its partial output removed and written again; readers (``read_output``) read only
batches with a marker. The history a batch reads is that of the marked batches before it.
OUT must be a directory the driver can write (local or a shared mount).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render

# the Kafka connector of pyspark's version, but Maven Central serves no 4.3.0 build: 4.2.0 runs on
# Spark 4.3.0 (tested against the real broker)
KAFKA_PACKAGE = "org.apache.spark:spark-sql-kafka-0-10_2.13:{version}"
UNSERVED = {"4.3.0": "4.2.0"}
STORED = {  # the tables a batch adds rows to (and reads its history from), with their columns
    "alerts": "diaSourceId long, diaObjectId long, ssObjectId long, visit long, t double, band string, "
              "schemaVersion string, nPrvSources int, nPrvForced int, ra double, dec double, `partition` int, "
              "`offset` long",
    "diaSources": "diaSourceId long, diaObjectId long, visit long, t double, band string, psfFlux double, "
                  "psfFluxErr double, snr double, ra double, dec double",
    "diaForcedSources": "diaForcedSourceId long, diaObjectId long, visit long, t double, band string, "
                        "psfFlux double, psfFluxErr double",
}
LATEST = {"lcFeats": ("objId",), "lcBandStats": ("objId", "pb"), "predictions": ("objId",)}  # newest row wins
MARKERS = "_batches"


@dataclass
class BatchLine:
    batch: int
    alerts: int
    failed: int
    changed: int
    classified: int
    seconds: float
    skipped: bool = False

    def line(self) -> str:
        if self.skipped:
            return f"batch {self.batch}: already complete (skipped)"
        rate = self.alerts / self.seconds if self.seconds > 0 else 0.0
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"batch {self.batch}: {self.alerts} alerts{failed}; {self.changed} objects' features, "
                f"{self.classified} classified in {self.seconds:.2f} s ({rate:,.0f} alerts/s)")


def kafka_options(url: str) -> tuple[str, dict]:
    """(topic, the Kafka source's options) for kafka://host:port/topic, with the SASL settings of
    the SQLite stream's environment variables (minibroker/stream/kafka.py)."""
    from minibroker.stream.kafka import client_config, parse_url

    servers, topic = parse_url(url)
    conf = client_config(servers, "minibroker")
    options = {"kafka.bootstrap.servers": servers}
    if "sasl.username" in conf:
        mechanism = conf["sasl.mechanism"].upper()
        module = ("org.apache.kafka.common.security.plain.PlainLoginModule" if mechanism == "PLAIN"
                  else "org.apache.kafka.common.security.scram.ScramLoginModule")

        def quoted(v: str) -> str:
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

        options.update({
            "kafka.security.protocol": conf["security.protocol"], "kafka.sasl.mechanism": mechanism,
            "kafka.sasl.jaas.config": f"{module} required username={quoted(conf['sasl.username'])} "
                                      f"password={quoted(conf['sasl.password'])};"})
    return topic, options


def kafka_package() -> str:
    """The connector's Maven coordinates (``MINIBROKER_SPARK_KAFKA_PACKAGE`` overrides them)."""
    import pyspark

    version = pyspark.__version__
    return os.environ.get("MINIBROKER_SPARK_KAFKA_PACKAGE") or KAFKA_PACKAGE.format(version=UNSERVED.get(version, version))


class Output:
    """OUT/<table>/batch=N directories and the OUT/_batches markers of complete batches."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def marker(self, batch: int) -> Path:
        return self.root / MARKERS / f"batch={batch}.json"

    def done(self) -> list[int]:
        d = self.root / MARKERS
        return sorted(int(p.stem.split("=")[1]) for p in d.glob("batch=*.json")) if d.is_dir() else []

    def path(self, table: str, batch: int) -> Path:
        return self.root / table / f"batch={batch}"

    def clear(self, batch: int) -> None:
        """Remove what an interrupted attempt at ``batch`` left."""
        if self.root.is_dir():
            for table in self.root.iterdir():
                if table.name != MARKERS and (table / f"batch={batch}").exists():
                    shutil.rmtree(table / f"batch={batch}")

    def mark(self, batch: int, info: dict) -> None:
        path = self.marker(batch)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, sort_keys=True))
        os.replace(tmp, path)


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in path.glob("*.parquet")) if path.is_dir() else 0


def _stored(spark, out: Output, table: str, batches: list[int]):
    paths = [str(out.path(table, b)) for b in batches if out.path(table, b).is_dir()]
    reader = spark.read.schema(STORED[table])
    return reader.parquet(*paths) if paths else spark.createDataFrame([], STORED[table])


class Model:
    """The chosen model of a SQLite model store (``--model-db``), loaded once after its hash check."""

    def __init__(self, db: str):
        from minibroker.database import connect
        from minibroker.model import store
        from minibroker.model.predict import resolve_run

        if not Path(db).is_file():
            raise UserError(f"no database at {db}: give --model-db a database with a trained model (make train)")
        from minibroker.model import matrix

        conn = connect(db, readonly=True)
        try:
            self.run = resolve_run(conn)
            self.check(matrix.feature_columns(conn, "moments"))   # what each micro-batch computes
            self.estimator = store.load(conn, self.run.run_id)
        finally:
            conn.close()

    def check(self, columns: list[str]) -> None:
        missing = [f for f in self.run.features if f not in columns]
        if missing:
            raise UserError(f"the chosen model (run {self.run.run_id}) uses features the stream does not compute per "
                            f"batch ({', '.join(missing[:3])}…): train one with FEATURE_SET=moments")

    def classify(self, feats, now: str):
        """predictions rows (a pandas DataFrame) for the lcFeats rows ``feats`` (pandas)."""
        import pandas as pd

        from minibroker.model import matrix
        from minibroker.model.predict import classify

        self.check(list(feats.columns))
        X = matrix.to_float(feats[self.run.features].to_numpy(dtype=object))
        labels, kind, scores = classify(self.estimator, X)
        classes = [str(int(c)) for c in self.estimator.classes_]
        rows = []
        for obj_id, label, row in zip(feats["objId"].tolist(), labels.tolist(), scores.tolist()):
            per_class = dict(zip(classes, row))
            rows.append({"objId": int(obj_id), "runId": self.run.run_id, "label": int(label),
                         "score": per_class[str(int(label))], "scoreKind": kind, "scores": json.dumps(per_class),
                         "predictedAt": now})
        return pd.DataFrame(rows)


def process_batch(df, batch_id: int, out: Output, model: Model | None = None) -> BatchLine:
    """One micro-batch (``df``: the Kafka rows partition, offset, value), written exactly once."""
    from minibroker.core.clock import utc_now
    from minibroker.spark.kernels import OUTPUT_DDL, band_features
    from minibroker.spark.stream_kernels import DECODED_DDL, decode_kafka

    if out.marker(batch_id).is_file():
        return BatchLine(batch_id, 0, 0, 0, 0, 0.0, skipped=True)
    spark = df.sparkSession   # foreachBatch's session: temporary views live there
    start = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:   # seconds per step, into the marker
        phases[name] = round(time.perf_counter() - start - sum(phases.values()), 3)
    out.clear(batch_id)
    before = [b for b in out.done() if b < batch_id]
    decoded = df.select("partition", "offset", "value").mapInArrow(decode_kafka, DECODED_DDL).persist()
    try:
        decoded.createOrReplaceTempView("streamDecoded")
        for table, view in (("alerts", "storedAlerts"), ("diaSources", "storedSources"),
                            ("diaForcedSources", "storedForced")):
            _stored(spark, out, table, before).createOrReplaceTempView(view)
        for table, sql, view in (("alerts", "spark/stream_new_alerts.sql", "batchAlerts"),
                                 ("diaSources", "spark/stream_new_sources.sql", "batchSources"),
                                 ("diaForcedSources", "spark/stream_new_forced.sql", "batchForced")):
            path = out.path(table, batch_id)
            spark.sql(render(sql)).write.mode("overwrite").parquet(str(path))
            spark.read.schema(STORED[table]).parquet(str(path)).createOrReplaceTempView(view)
            lap(table)   # alerts: the decoding included
        failures = out.path("failures", batch_id)
        spark.sql(render("spark/stream_failures.sql")).write.mode("overwrite").parquet(str(failures))
        lap("failures")
    finally:
        decoded.unpersist()
    touched = spark.sql(render("spark/stream_touched.sql")).persist()
    classified = 0
    try:
        touched.createOrReplaceTempView("touched")
        touched.createOrReplaceTempView("sparkSeen")
        bands = spark.sql(render("spark/stream_bands.sql.j2")).mapInArrow(band_features, OUTPUT_DDL).persist()
        try:
            bands.createOrReplaceTempView("sparkBands")
            feats_path = out.path("lcFeats", batch_id)
            spark.sql(render("spark/lcfeats.sql.j2")).write.mode("overwrite").parquet(str(feats_path))
            lap("lcFeats")   # the light curves and the kernel included
            spark.sql(render("spark/lcbandstats.sql")).write.mode("overwrite").parquet(str(out.path("lcBandStats", batch_id)))
            lap("lcBandStats")
        finally:
            bands.unpersist()
        changed = _rows(feats_path)
        if model is not None and changed:
            import pandas as pd

            feats = pd.read_parquet(feats_path)
            preds = model.classify(feats, utc_now())
            target = out.path("predictions", batch_id)
            target.mkdir(parents=True, exist_ok=True)
            preds.to_parquet(target / "part-00000.parquet", index=False)
            classified = len(preds)
            lap("predictions")
    finally:
        touched.unpersist()
    line = BatchLine(batch_id, _rows(out.path("alerts", batch_id)), _rows(failures), changed, classified,
                     time.perf_counter() - start)
    out.mark(batch_id, {"batch": batch_id, "alerts": line.alerts, "failed": line.failed, "changed": line.changed,
                        "classified": line.classified, "seconds": round(line.seconds, 3), "phases": phases,
                        "doneAt": utc_now()})
    return line


def _bind(checkpoint: Path, out: Path, url: str) -> None:
    """A checkpoint belongs to one OUT and one source: refuse another (its batches would be lost)."""
    checkpoint.mkdir(parents=True, exist_ok=True)
    meta = checkpoint / "minibroker.json"
    want = {"out": str(out), "source": url}
    if meta.is_file():
        had = json.loads(meta.read_text())
        if had != want:
            raise UserError(f"checkpoint {checkpoint} belongs to {had['source']} -> {had['out']}, not {url} -> {out}: "
                            "give a new --checkpoint (or the OUT it was used with)")
    else:
        if Output(out).done():
            raise UserError(f"{out} holds the batches of another checkpoint: give a new --out (or that checkpoint)")
        meta.write_text(json.dumps(want))


def run_stream(url: str, checkpoint: Path, out_dir: Path, *, model_db: str | None = None,
               max_offsets: int | None = None, follow: bool = False, trigger_seconds: float = 2.0,
               say=print) -> list[BatchLine]:
    """Run the streaming query: until the topic is read to its end (or, with ``follow``, until
    SIGTERM / Ctrl-C). Returns the batches' lines."""
    from minibroker.spark.session import get_session

    topic, options = kafka_options(url)
    checkpoint, out_dir = Path(checkpoint).resolve(), Path(out_dir).resolve()
    _bind(checkpoint, out_dir, url)
    model = Model(model_db) if model_db else None
    out = Output(out_dir)
    spark = get_session("minibroker-stream", packages=[kafka_package()])
    reader = spark.readStream.format("kafka").option("subscribe", topic).option("startingOffsets", "earliest")
    for k, v in options.items():
        reader = reader.option(k, v)
    if max_offsets:
        reader = reader.option("maxOffsetsPerTrigger", str(int(max_offsets)))
    lines: list[BatchLine] = []

    failures: list[UserError] = []

    def handle(df, batch_id):
        try:
            line = process_batch(df, int(batch_id), out, model)
        except UserError as exc:   # told as itself, not as Spark's wrapped traceback
            failures.append(exc)
            raise
        lines.append(line)
        say(f"spark stream {topic}: {line.line()}")

    writer = reader.load().writeStream.foreachBatch(handle).option("checkpointLocation", str(checkpoint))
    writer = writer.trigger(processingTime=f"{trigger_seconds} seconds") if follow else writer.trigger(availableNow=True)
    from pyspark.errors import StreamingQueryException

    query = writer.start()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not query.awaitTermination(1):   # short waits: Python's signal handlers run between them
            if stopping:
                query.stop()
    except StreamingQueryException as exc:
        if failures:
            raise failures[0] from None
        raise UserError(f"the streaming query failed: {_first_line(exc)}") from None
    except KeyboardInterrupt:
        query.stop()
    return lines


def _first_line(exc) -> str:
    text = " ".join(str(getattr(exc, "desc", None) or exc).split())
    return text[:400]


def read_output(out_dir: Path) -> dict:
    """The complete batches' output as pandas DataFrames: every row of the stored tables (and
    ``failures``); for lcFeats, lcBandStats and predictions the newest row per object (and band)."""
    import pandas as pd

    out = Output(out_dir)
    done = out.done()
    result = {}
    for table in (*STORED, "failures", *LATEST):
        parts = []
        for b in done:
            path = out.path(table, b)
            if path.is_dir() and any(path.glob("*.parquet")):
                frame = pd.read_parquet(path)
                frame["batch"] = b
                parts.append(frame)
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if table in LATEST and len(frame):
            frame = frame.sort_values("batch").drop_duplicates(list(LATEST[table]), keep="last")
        result[table] = frame.drop(columns=["batch"], errors="ignore").reset_index(drop=True)
    return result
