"""Shared by the stream tests: real sample alerts, simulated alert files, table dumps by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import fastavro

from minibroker.stream import schemas
from minibroker.stream.simulate import simulate_alerts

# the stream's time columns (when received, processed, done); everything else must be equal
TIME_COLUMNS = {"receivedAt", "processedAt", "latencySeconds", "doneAt", "updatedAt", "failedAt", "predictedAt",
                "appliedAt", "loadedAt", "createdAt"}


def sample_files() -> dict[str, Path]:
    """The sample alert of every schema version lsst-alert-packet ships: version -> file."""
    out = {}
    for v in schemas.versions().values():
        p = schemas.schema_root() / str(v.major) / str(v.minor) / "sample_data" / "fakeAlert.avro"
        assert p.is_file(), f"lsst-alert-packet no longer ships {p}"
        out[v.text] = p
    return out


def copy_samples(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for text, p in sample_files().items():
        major, minor = text.split(".")
        shutil.copy(p, dest / f"v{int(major):02d}_{minor}.avro")
    return dest


def simulated(dest: Path, n: int = 8, seed: int = 11, mix: str = "SNIa=1,AGN=1,RRLyrae=1,Mdwarf=1",
              nights: int | None = 60, first_night: int | None = None) -> Path:
    simulate_alerts(n, dest, seed=seed, mix=mix, nights=nights, first_night=first_night)
    return dest


def read_alerts(path: Path) -> list[dict]:
    with open(path, "rb") as fh:
        return list(fastavro.reader(fh))


def merge_files(files: list[Path], out: Path, reverse: bool = False) -> Path:
    """All alerts of ``files`` in one container file (optionally in reverse order)."""
    records = [r for f in files for r in read_alerts(f)]
    if reverse:
        records.reverse()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        fastavro.writer(fh, schemas.latest_version().parsed, records)
    return out


# test code: identifiers come from sqlite_schema (see test_no_sql_formatting)
STREAM_TABLES = {
    "objects": "select dataset, name, fileId from objects",
    "diaObjects": "select o.name, d.diaObjectId, d.ra, d.dec, d.positionMjd from diaObjects d join objects o using (objId)",
    "alerts": ("select a.diaSourceId, o.name, a.diaObjectId, a.ssObjectId, a.visit, a.t, a.band, a.schemaVersion,"
               " a.dataset, a.nPrvSources, a.nPrvForced"
               " from alerts a left join objects o using (objId)"),
    "diaSources": ("select s.diaSourceId, o.name, s.diaObjectId, s.visit, s.t, s.band, s.psfFlux, s.psfFluxErr,"
                   " s.snr, s.ra, s.dec from diaSources s left join objects o using (objId)"),
    "diaForcedSources": ("select s.diaForcedSourceId, o.name, s.diaObjectId, s.visit, s.t, s.band, s.psfFlux,"
                         " s.psfFluxErr from diaForcedSources s left join objects o using (objId)"),
    "rawPhot": "select o.name, r.t, r.pb, r.flux, r.dflux from rawPhot r join objects o using (objId)",
    "alertPhot": ("select o.name, a.visit, a.kind, a.sourceId, r.t, r.pb, r.flux from alertPhot a"
                  " join objects o using (objId) join rawPhot r on r.id = a.rawPhotId"),
    "lcBands": "select o.name, b.pb, b.n, b.t, b.flux, b.dflux from lcBands b join objects o using (objId)",
    "lcFeats": "select o.name, f.* from lcFeats f join objects o using (objId)",
    "lcBandStats": "select o.name, s.pb, s.n, s.wMean from lcBandStats s join objects o using (objId)",
    "predictions": ("select o.name, p.runId, p.label, p.score, p.scoreKind, p.scores from predictions p"
                    " join objects o using (objId)"),
}


# where each alert came from (differs between a directory and Kafka, not between runs of one source)
POSITION_TABLES = {
    "alertOrigins": "select diaSourceId, source, file, partition, \"offset\" from alerts",
    "streamFiles": "select dataset, name, contentHash, status, alerts, failed, error from streamFiles",
    "streamOffsets": "select topic, partition, nextOffset from streamOffsets",
    "streamFailures": "select dataset, source, file, partition, \"offset\", item, diaSourceId, reason from streamFailures",
}


def produce(config: dict, topic: str, files, bad: bytes | None = None) -> int:
    """Every alert of ``files`` onto ``topic`` in the Confluent wire format, keyed by diaObjectId
    (an object's alerts stay in order in one partition); ``bad`` is sent after the first 5."""
    from confluent_kafka import Producer

    from minibroker.stream.decode import encode_message

    producer = Producer({**config, "linger.ms": 20, "message.max.bytes": 8 << 20})
    n = 0
    for f in files:
        for r in read_alerts(f):
            producer.produce(topic, key=str(r["diaObject"]["diaObjectId"]).encode(), value=encode_message(r))
            n += 1
            if n == 5 and bad is not None:
                producer.produce(topic, key=b"bad", value=bad)
            producer.poll(0)
    assert producer.flush(60) == 0
    return n


def dump_by_name(conn, tables=STREAM_TABLES) -> dict[str, list]:
    """The stream's tables with objects named by their diaObjectId (objId and rawPhot id depend on
    the order things arrived), time columns left out, rows sorted."""
    out = {}
    for name, sql in tables.items():
        cur = conn.execute(sql)
        rows = cur.fetchall()
        if name == "lcFeats":
            rows = [r[:1] + r[2:] for r in rows]  # drop objId
        out[name] = sorted(rows, key=repr)
    return out
