"""Store one decoded batch: one write transaction holding the alerts, their detections and forced
measurements, the rebuilt lcBands, the features and classes of the objects that changed, the
failures and the source position (file done, or Kafka offsets). A kill at any instant leaves
either all of a batch or none of it, and the position says which.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import groupby

import apsw
import numpy as np

from minibroker.core.db import immediate
from minibroker.features.pipeline import compute_chunk, store_chunk
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.stream.decode import Decoded

FEATURE_CHUNK = 1000
QUEUE_FILTERS = True  # queue each batch for the filters (filters/run.py); False with stream --no-filters


@dataclass
class Position:
    """Where a batch came from; written in the batch's transaction."""

    source: str                       # the directory or kafka://host:port/topic
    file: dict | None = None          # streamFiles row (directory source)
    topic: str | None = None          # Kafka source: topic and partition -> next offset
    offsets: dict = field(default_factory=dict)


@dataclass
class BatchReport:
    name: str
    alerts: int = 0          # new alerts stored
    replayed: int = 0        # alerts already stored (skipped)
    failed: int = 0
    without_object: int = 0
    new_objects: int = 0
    measurements: int = 0    # new detections + forced measurements
    changed: int = 0         # objects whose photometry (and so features) changed
    classified: int = 0
    seconds: float = 0.0
    latency: float = 0.0     # from the batch's arrival to its commit
    error: str | None = None
    # for the filters after the commit (filters/run.py): objects whose photometry changed, new alerts
    touched: list = field(default_factory=list)
    new_alerts: list = field(default_factory=list)

    def line(self) -> str:
        rate = self.alerts / self.seconds if self.seconds > 0 else 0.0
        extra = f", {self.replayed} already stored" if self.replayed else ""
        extra += f", {self.without_object} without object" if self.without_object else ""
        extra += f", {self.failed} failed" if self.failed else ""
        return (f"{self.name}: {self.alerts} alerts{extra}; {self.new_objects} new objects, {self.measurements} "
                f"measurements stored, {self.changed} objects' features changed, {self.classified} classified "
                f"in {self.seconds:.2f} s ({rate:,.0f} alerts/s, latency {self.latency:.2f} s)")


def store_batch(conn: apsw.Connection, dataset: str, decoded: Decoded, position: Position, received: float,
                received_at: str, classifier=None, name: str = "batch") -> BatchReport:
    """Store ``decoded`` and ``position`` in one transaction. ``received``: the Unix time the batch
    arrived (a file's change time, the earliest Kafka message timestamp; ``received_at``: the same as
    UTC text), from which the latency is counted."""
    start = time.perf_counter()
    report = BatchReport(name, failed=len(decoded.failures), error=decoded.error)
    with immediate(conn):
        conn.execute(render("stream/batch_tables.sql"))
        conn.executemany(render("stream/insert_batch_alert.sql"), decoded.alerts)
        conn.executemany(render("stream/insert_batch_source.sql"), decoded.sources)
        conn.executemany(render("stream/insert_batch_forced.sql"), decoded.forced)
        objects_before = _count_objects(conn)
        conn.execute(render("stream/store_batch.sql"), {"dataset": dataset})
        report.new_objects = _count_objects(conn) - objects_before
        alerts, without, sources, forced = conn.execute(render("stream/batch_counts.sql")).fetchone()
        report.alerts, report.without_object, report.measurements = alerts, without, sources + forced
        report.replayed = len(decoded.alerts) - alerts
        touched = [r[0] for r in conn.execute(render("stream/touched_ids.sql"))]
        report.changed = len(touched)
        report.touched = touched
        cur = conn.execute(render("filtering/stream_batch_alerts.sql"))
        report.new_alerts = [dict(zip(("diaSourceId", "objId", "ra", "dec", "mjd", "band", "psfFlux", "psfFluxErr"), r))
                             for r in cur]
        if QUEUE_FILTERS and (touched or report.new_alerts):  # filters run after the commit; a kill before is caught up
            from minibroker.filters.run import queue_batch
            queue_batch(conn, sorted(set(touched) | {a["objId"] for a in report.new_alerts}),
                        {"id": name, "alerts": report.new_alerts}, utc_now())
        if touched:
            _rebuild_bands(conn)
            for i in range(0, len(touched), FEATURE_CHUNK):
                # the moments (lcFeats) now; the periodograms (lcPeriodFeats, ~20 ms an object) are left
                # to make features, off the stream's per-batch path
                store_chunk(conn, compute_chunk(conn, touched[i:i + FEATURE_CHUNK], period=False))
            if classifier is not None:
                report.classified = classifier.classify(conn, utc_now())
        now = utc_now()
        for item, partition, offset, sid, reason in decoded.failures:
            conn.execute(render("stream/insert_failure.sql"), {
                "dataset": dataset, "source": position.source, "file": (position.file or {}).get("name"),
                "partition": partition, "offset": offset, "item": item if partition is None else None,
                "diaSourceId": sid, "reason": reason,
                "failedAt": now})
        _write_position(conn, position, report, now)
        report.latency = max(0.0, time.time() - received)
        conn.execute(render("stream/insert_alerts.sql"), {
            "dataset": dataset, "source": position.source, "file": (position.file or {}).get("name"),
            "receivedAt": received_at, "processedAt": utc_now(), "latencySeconds": report.latency})
    report.latency = max(0.0, time.time() - received)  # the commit included
    report.seconds = time.perf_counter() - start
    return report


def _count_objects(conn: apsw.Connection) -> int:
    return conn.execute(render("stream/max_obj.sql")).fetchone()[0]


def _rebuild_bands(conn: apsw.Connection) -> None:
    """lcBands of the changed objects, packed from their rawPhot rows as the loader packs them."""
    conn.execute(render("stream/clear_derived.sql"))
    rows = conn.execute(render("stream/touched_phot.sql")).fetchall()
    packed = []
    for (obj_id, pb), group in groupby(rows, key=lambda r: (r[0], r[1])):
        g = np.array([r[2:] for r in group], dtype="<f8")
        packed.append((obj_id, pb, len(g), g[:, 0].tobytes(), g[:, 1].tobytes(), g[:, 2].tobytes()))
    conn.executemany(render("queries/loader/insert_bands.sql"), packed)


def _write_position(conn: apsw.Connection, position: Position, report: BatchReport, now: str) -> None:
    if position.file is not None:
        row = dict(position.file)
        row.update(alerts=report.alerts, failed=report.failed, doneAt=now,
                   status="failed" if report.error else "done", error=report.error)
        conn.execute(render("stream/file_done.sql"), row)
    for partition, next_offset in sorted(position.offsets.items()):
        conn.execute(render("stream/upsert_offset.sql"), {
            "topic": position.topic, "partition": partition, "nextOffset": next_offset, "updatedAt": now})
