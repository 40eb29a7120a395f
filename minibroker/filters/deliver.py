"""Delivering filter matches: JSON-lines files, HTTP POST, Kafka (Avro), daily digests.

At least once: a match's deliveries are inserted as ``pending`` in the same transaction as the
match; each attempt records ``ok`` or the error in ``deliveries``. Everything not ok is retried
after later batches, oldest first. Delivery is bounded per batch: it stops starting new work when
the budget is spent, and a sink target that fails is not tried again in the same batch, so a
server that is down costs one timeout per batch, never the batch itself.
"""

import io
import json
import os
import struct
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import apsw

from minibroker.core.db import immediate
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render

SCHEMA_PATH = Path(__file__).with_name("alert.avsc")
HTTP_TIMEOUT = 2.0
MAX_PER_BATCH = 20_000
KAFKA_ENV = "MINIBROKER_KAFKA"


@dataclass
class DeliveryReport:
    ok: int = 0
    failed: int = 0
    left: int = 0          # not attempted in this batch (budget spent or target down)
    errors: dict | None = None

    def line(self) -> str:
        text = f"delivered {self.ok}"
        if self.failed or self.left:
            text += f" ({self.failed} failed, {self.left} left for the next batch)"
        return text


def default_target(sink, filter_name: str, out_dir: Path) -> str:
    if sink.target:
        return sink.target
    if sink.kind == "jsonl":
        return str(out_dir / f"{filter_name}.jsonl")
    if sink.kind == "digest":
        return str(out_dir / "digest" / filter_name)
    return sink.target


# -- records -----------------------------------------------------------------------------------------
def annotations(conn: apsw.Connection, obj_ids: list[int]) -> dict[int, tuple[dict, dict | None]]:
    """objId -> (lcFeats columns, latest class or None), in one query."""
    cur = conn.execute(render("filtering/object_annotations.sql"), {"objIds": json.dumps(sorted(set(obj_ids)))})
    try:
        names = [d[0] for d in cur.getdescription()]
    except apsw.ExecutionCompleteError:
        return {}
    out = {}
    for row in cur:
        values = dict(zip(names, row))
        features = {k: v for k, v in values.items()
                    if k not in ("objId", "annotatedObjId") and not k.startswith("pred")}
        cls = None
        if values.get("predRunId") is not None:
            cls = {"runId": values["predRunId"], "label": values["predLabel"], "className": values["predClassName"],
                   "score": values["predScore"], "scoreKind": values["predScoreKind"],
                   "scores": {k: float(v) for k, v in json.loads(values["predScores"]).items()}}
        out[values["annotatedObjId"]] = (features, cls)
    return out


def record(row: dict, notes: dict, alerts: dict) -> dict:
    """A match as delivered: the alert, the filter's columns and MiniBroker's annotations."""
    features, cls = notes.get(row["objId"], ({}, None))
    a = alerts.get(row["diaSourceId"]) if row["diaSourceId"] is not None else None
    dia = None if a is None else {k: a.get(src) for k, src in (
        ("ra", "ra"), ("dec", "dec"), ("midpointMjdTai", "mjd"), ("band", "band"),
        ("psfFlux", "psfFlux"), ("psfFluxErr", "psfFluxErr"))}
    return {"schemaVersion": "1.0", "filter": row["filter"], "matchId": row["matchId"], "matchedAt": row["matchedAt"],
            "batch": row["batch"], "objId": row["objId"], "objectName": row["name"], "dataset": row["dataset"],
            "diaSourceId": row["diaSourceId"], "diaSource": dia, "features": features, "classification": cls,
            "payload": row["payload"]}


# -- sinks: each takes the target and a list of (deliveryId, record); raises on failure ----------------
def send_jsonl(target: str, items, deadline: float, kafka_bootstrap=None):
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for _, rec in items:
            fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return [d for d, _ in items]


def send_http(target: str, items, deadline: float, kafka_bootstrap=None):
    done = []
    for delivery_id, rec in items:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        req = urllib.request.Request(target, data=json.dumps(rec).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=min(HTTP_TIMEOUT, left)) as resp:
                if resp.status >= 300:
                    raise OSError(f"HTTP {resp.status}")
        except (OSError, urllib.error.URLError) as exc:
            raise SinkDown(f"POST {target}: {exc}", done) from None
        done.append(delivery_id)
    return done


def send_digest(target: str, items, deadline: float, kafka_bootstrap=None):
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    base = Path(f"{target}-{day}")
    base.parent.mkdir(parents=True, exist_ok=True)
    txt, html = base.with_suffix(".txt"), base.with_suffix(".html")
    new_html = not html.exists()
    with txt.open("a", encoding="utf-8") as t, html.open("a", encoding="utf-8") as h:
        if new_html:
            h.write(f"<!doctype html><meta charset=utf-8><title>{escape(base.name)}</title>\n"
                    "<table><tr><th>matched</th><th>filter</th><th>object</th><th>class</th><th>columns</th></tr>\n")
        for _, rec in items:
            cls = rec["classification"]
            label = f"{cls['className'] or cls['label']} {cls['score']:.2f}" if cls else "-"
            t.write(f"{rec['matchedAt']}  {rec['filter']}  {rec['dataset']}/{rec['objectName']}  {label}  {rec['payload']}\n")
            h.write("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
                rec["matchedAt"], rec["filter"], f"{rec['dataset']}/{rec['objectName']}", label, rec["payload"])) + "</tr>\n")
    return [d for d, _ in items]


def send_kafka(target: str, items, deadline: float, kafka_bootstrap=None):
    from confluent_kafka import Producer

    bootstrap = kafka_bootstrap or os.environ.get(KAFKA_ENV)
    if not bootstrap:
        raise SinkDown(f"no Kafka broker for topic {target}: set {KAFKA_ENV}=host:port", [])
    left_ms = max(100, int((deadline - time.monotonic()) * 1000))
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": left_ms,
                         "socket.timeout.ms": max(100, min(left_ms, 10_000)), "acks": "all"})
    done, errors = [], []

    def on_delivery(err, msg, delivery_id):
        (errors.append(str(err)) if err else done.append(delivery_id))

    for delivery_id, rec in items:
        producer.produce(target, value=encode(rec), key=str(rec["objId"]).encode(),
                         on_delivery=lambda err, msg, d=delivery_id: on_delivery(err, msg, d))
    producer.flush(max(0.1, deadline - time.monotonic()))
    if errors or len(done) < len(items):
        raise SinkDown(f"Kafka {bootstrap} topic {target}: {errors[0] if errors else 'not acknowledged in time'}", done)
    return done


SINKS = {"jsonl": send_jsonl, "http": send_http, "digest": send_digest, "kafka": send_kafka}


class SinkDown(Exception):
    def __init__(self, message: str, done: list[int]):
        super().__init__(message)
        self.done = done


# -- Avro ------------------------------------------------------------------------------------------------
_SCHEMA = None


def schema():
    global _SCHEMA
    if _SCHEMA is None:
        import fastavro
        _SCHEMA = fastavro.parse_schema(json.loads(SCHEMA_PATH.read_text()))
    return _SCHEMA


def fingerprint() -> bytes:
    from fastavro.schema import fingerprint as fp, to_parsing_canonical_form
    return bytes.fromhex(fp(to_parsing_canonical_form(schema()), "CRC-64-AVRO"))[::-1]  # little-endian


def encode(rec: dict) -> bytes:
    """Avro single-object encoding of a delivery record under ``alert.avsc``."""
    import fastavro
    buf = io.BytesIO()
    buf.write(b"\xc3\x01" + fingerprint())
    fastavro.schemaless_writer(buf, schema(), rec)
    return buf.getvalue()


def decode(data: bytes) -> dict:
    import fastavro
    if data[:2] != b"\xc3\x01" or data[2:10] != fingerprint():
        raise ValueError("not a MiniBrokerAlert single-object Avro message")
    return fastavro.schemaless_reader(io.BytesIO(data[10:]), schema())


# -- the loop --------------------------------------------------------------------------------------------
def deliver_pending(conn: apsw.Connection, *, budget: float = 5.0, kafka_bootstrap: str | None = None,
                    alerts: list[dict] | None = None) -> DeliveryReport:
    """Attempt every delivery not yet ok, oldest first, within ``budget`` seconds."""
    deadline = time.monotonic() + budget
    cur = conn.execute(render("filtering/pending_deliveries.sql"), {"limit": MAX_PER_BATCH})
    try:
        names = [d[0] for d in cur.getdescription()]
    except apsw.ExecutionCompleteError:  # nothing pending
        names = []
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    report = DeliveryReport(errors={})
    if not rows:
        return report
    by_dia = {a.get("diaSourceId"): a for a in alerts or []}
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row["sink"], row["target"]), []).append(row)
    outcomes: dict[int, str | None] = {}
    for (sink, target), group in groups.items():
        if time.monotonic() >= deadline:
            report.left += len(group)
            continue
        notes = annotations(conn, [r["objId"] for r in group])
        items = [(r["deliveryId"], record(r, notes, by_dia)) for r in group]
        try:
            done = SINKS[sink](target, items, deadline, kafka_bootstrap)
            error = None
        except SinkDown as exc:
            done, error = exc.done, str(exc)
        except Exception as exc:  # a sink's own failure (disk full, bad path …) is recorded, never raised
            done, error = [], f"{sink} {target}: {type(exc).__name__}: {exc}"
        for d in done:
            outcomes[d] = None
        if error:
            report.errors[(sink, target)] = " ".join(error.split())
            failed = next((d for d, _ in items if d not in outcomes), None)
            if failed is not None:
                outcomes[failed] = report.errors[(sink, target)]
            report.left += sum(1 for d, _ in items if d not in outcomes)
    now = utc_now()
    with immediate(conn):
        for delivery_id, error in outcomes.items():
            conn.execute(render("filtering/delivery_done.sql"), {
                "deliveryId": delivery_id, "status": "ok" if error is None else "error", "error": error, "now": now})
    report.ok = sum(1 for e in outcomes.values() if e is None)
    report.failed = len(outcomes) - report.ok
    return report
