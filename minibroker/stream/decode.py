"""Decoding alert packets into the few rows MiniBroker stores (pure: bytes or a path in, tuples out).

Two inputs, one result (:class:`Decoded`):

- an Avro object container file (``*.avro``): the writer schema is in the file header and must be
  one of the package's versions; records are decoded block by block, so several processes can
  share one file (``part``/``parts``: blocks ``part``, ``part + parts``, …);
- Kafka messages in the Confluent wire format Rubin uses: byte 0 is 0, bytes 1-4 the big-endian
  schema id (major * 100 + minor), then the schemaless Avro body.

Per alert: one ``alerts`` tuple, its detections (the triggering diaSource and prvDiaSources) and
its forced measurements (prvDiaForcedSources). fastavro reads the container header and splits
the file into blocks; cavro decodes the records (~6x faster here). Cutouts and every other field are
decoded but not kept. An alert that cannot be used becomes a failure with the reason; the others
go on.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

import cavro
import fastavro

from minibroker.stream import schemas

# alerts: (item, diaSourceId, diaObjectId, ssObjectId, visit, t, band, schemaVersion, nPrvSources,
#          nPrvForced, ra, dec, partition, offset)
# sources: (diaSourceId, diaObjectId, visit, t, band, psfFlux, psfFluxErr, snr, ra, dec)
# forced: (diaForcedSourceId, diaObjectId, visit, t, band, psfFlux, psfFluxErr)
# failures: (item, partition, offset, diaSourceId, reason)


@dataclass
class Decoded:
    alerts: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    forced: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    error: str | None = None          # the whole input failed (not Avro, unknown schema)
    version: str | None = None

    def extend(self, other: "Decoded") -> None:
        self.alerts += other.alerts
        self.sources += other.sources
        self.forced += other.forced
        self.failures += other.failures
        self.error = self.error or other.error
        self.version = self.version or other.version


FILTER_EVERY = 2000  # alerts decoded between two look-ups of what the database already holds


def drop_stored(out: Decoded, db, start: tuple[int, int] = (0, 0)) -> None:
    """Drop from ``out.sources[start[0]:]`` and ``out.forced[start[1]:]`` the measurements the
    database ``db`` (a connection or a path) already holds: the histories of alerts repeat what earlier
    alerts brought, and keeping them would make memory grow with the history length. Those it keeps
    may still be stored meanwhile: the store skips them again (store_batch.sql)."""
    if db is None:
        return
    import json

    from minibroker.core.sqlfiles import render

    conn = _reader(db)
    for attr, query, first in (("sources", "stream/stored_sources.sql", start[0]),
                               ("forced", "stream/stored_forced.sql", start[1])):
        rows = getattr(out, attr)
        tail = rows[first:]
        if not tail:
            continue
        stored = {r[0] for r in conn.execute(render(query), {"ids": json.dumps([r[0] for r in tail])})}
        if stored:
            rows[first:] = [r for r in tail if r[0] not in stored]


_readers: dict = {}


def _reader(db):
    if not isinstance(db, (str, bytes)) and hasattr(db, "execute"):
        return db
    conn = _readers.get(db)
    if conn is None:
        from minibroker.database import connect

        conn = _readers[db] = connect(db, readonly=True)
    return conn


def decode_file(path: str, part: int = 0, parts: int = 1, db=None) -> Decoded:
    """The alerts of blocks ``part::parts`` of a container file (with ``db``: without the
    measurements that database holds already)."""
    out = Decoded()
    mark, since = (0, 0), 0
    try:
        with open(path, "rb") as fh:
            reader = fastavro.block_reader(fh)
            version = schemas.match(reader.writer_schema)
            if version is None:
                name = reader.writer_schema.get("name") if isinstance(reader.writer_schema, dict) else None
                out.error = (f"writer schema {name or '(unnamed)'} is none of lsst-alert-packet's alert schemas "
                             f"({schemas.known_text()})")
                return out
            out.version = version.text
            codec = version.codec
            item = 0
            for i, block in enumerate(reader):
                if i % parts == part:
                    # fastavro splits the file and checks each block's sync marker; cavro decodes
                    data = cavro.MemoryReader(block.bytes_.getvalue())
                    for k in range(block.num_records):
                        _add(out, codec.binary_read(data), version, item + k, None, None)
                    since += block.num_records
                    if since >= FILTER_EVERY:
                        drop_stored(out, db, mark)
                        mark, since = (len(out.sources), len(out.forced)), 0
                item += block.num_records
            drop_stored(out, db, mark)
    except (ValueError, EOFError, OSError, StopIteration, struct.error, IndexError, TypeError) as exc:
        out.error = f"not a valid Avro container file of alerts: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - fastavro raises assorted errors on damaged input
        out.error = f"not a valid Avro container file of alerts: {type(exc).__name__}: {exc}"
    return out


def decode_file_task(task: tuple[str, int, int]) -> Decoded:
    """A worker-process task: ``decode_file(*task)``."""
    return decode_file(*task)


def decode_messages(messages: list[tuple[int, int, bytes]], base: int = 0, db=None) -> Decoded:
    """Kafka messages ``(partition, offset, value)`` in the Confluent wire format; the i-th is item
    ``base + i`` of its batch (with ``db``: without the measurements that database holds already)."""
    out = Decoded()
    _decode_messages(out, messages, base)
    drop_stored(out, db)
    return out


def _decode_messages(out: Decoded, messages, base: int) -> None:
    for item, (partition, offset, value) in enumerate(messages, base):
        if value is None or len(value) < 5 or value[0] != 0:
            out.failures.append((item, partition, offset, None,
                                 "not in the Confluent wire format (magic byte 0, 4-byte schema id, Avro body)"))
            continue
        schema_id = struct.unpack(">I", value[1:5])[0]
        version = schemas.by_id(schema_id)
        if version is None:
            out.failures.append((item, partition, offset, None,
                                 f"schema id {schema_id} is none of lsst-alert-packet's alert schemas "
                                 f"({schemas.known_text()})"))
            continue
        try:
            body = cavro.MemoryReader(value[5:])
            record = version.codec.binary_read(body)
            if _has_more(body):
                raise ValueError("bytes left after the record")
        except Exception as exc:  # noqa: BLE001 - a damaged body fails this alert only
            out.failures.append((item, partition, offset, None,
                                 f"does not decode with schema {version.text}: {type(exc).__name__}: {exc}"))
            continue
        _add(out, record, version, item, partition, offset)


_BYTE = None


def _has_more(reader) -> bool:
    """Whether ``reader`` (a cavro.MemoryReader) has input left: try to read one more byte."""
    global _BYTE
    _BYTE = _BYTE or cavro.Schema('"boolean"')
    try:
        _BYTE.binary_read(reader)
    except EOFError:
        return False
    return True


def encode_message(record: dict, version: schemas.Version | None = None) -> bytes:
    """One alert in the Confluent wire format (for producers, the simulator and tests)."""
    version = version or schemas.latest_version()
    buf = io.BytesIO()
    buf.write(b"\x00" + struct.pack(">I", version.schema_id))
    fastavro.schemaless_writer(buf, version.parsed, record)
    return buf.getvalue()


def _add(out: Decoded, record, version: schemas.Version, item: int, partition, offset) -> None:
    """Append one alert (a cavro record). Its object is the diaObject's id, else the diaSource's
    (Rubin's sample packets carry it only in diaObject); the history (prvDiaSources,
    prvDiaForcedSources) is that object's, and takes its id where a measurement has none."""
    source_of, forced_of = version.getters
    src = record.diaSource
    sid = getattr(src, "diaSourceId", None)
    try:
        obj = record.diaObject
        obj_id = obj.diaObjectId if obj is not None else None
        if obj_id is None:
            obj_id = src.diaObjectId
        main = _own(source_of(src), obj_id)
        prv = record.prvDiaSources or ()
        forced = record.prvDiaForcedSources or ()
        sources = [main]
        sources += [_own(source_of(s), obj_id) for s in prv]
        forced_rows = [_own(forced_of(s), obj_id) for s in forced]
        if obj is not None and obj.ra is not None:
            ra, dec = obj.ra, getattr(obj, version.fields.obj_dec)
        else:
            ra, dec = main[8], main[9]
        ss_id = getattr(src, "ssObjectId", None)
    except (KeyError, TypeError, AttributeError) as exc:
        out.failures.append((item, partition, offset, sid, f"alert lacks a field MiniBroker needs: {exc}"))
        return
    out.alerts.append((item, main[0], obj_id, ss_id, main[2], main[3], main[4], version.text,
                       len(prv), len(forced), ra, dec, partition, offset))
    out.sources += sources
    out.forced += forced_rows


def _own(row: tuple, obj_id) -> tuple:
    """A measurement's row with its object: its own diaObjectId, else the alert's object."""
    return row if row[1] is not None else (row[0], obj_id) + row[2:]
