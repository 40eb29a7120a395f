"""What the streaming job runs on executors: Kafka rows (partition, offset, value) decoded with the
project's own decoder (``minibroker.stream.decode``, the Confluent wire format the SQLite stream
reads), one ``mapInArrow`` call per Arrow batch. Imports pyarrow and ``minibroker.stream.decode``
(cavro, fastavro, lsst-alert-packet) only: never apsw nor the database code.

All four kinds of decoded rows share one Arrow schema (``DECODED``), told apart by ``kind``:
``alert``, ``source`` (a detection), ``forced`` (a forced measurement), ``failure`` (a message that
could not be used, with its reason). ``id`` is the diaSourceId (alert, source, failure) or the
diaForcedSourceId (forced).
"""

from typing import Iterator

DECODED_COLUMNS = (
    ("kind", "string"), ("partition", "int"), ("offset", "long"), ("id", "long"), ("diaObjectId", "long"),
    ("ssObjectId", "long"), ("visit", "long"), ("t", "double"), ("band", "string"), ("schemaVersion", "string"),
    ("nPrvSources", "int"), ("nPrvForced", "int"), ("ra", "double"), ("dec", "double"), ("psfFlux", "double"),
    ("psfFluxErr", "double"), ("snr", "double"), ("reason", "string"),
)
DECODED_DDL = ", ".join(f"`{name}` {kind}" for name, kind in DECODED_COLUMNS)

# the decoder's tuples (minibroker/stream/decode.py) -> the shared columns
_ALERT = ("_item", "id", "diaObjectId", "ssObjectId", "visit", "t", "band", "schemaVersion", "nPrvSources",
          "nPrvForced", "ra", "dec", "partition", "offset")
_SOURCE = ("id", "diaObjectId", "visit", "t", "band", "psfFlux", "psfFluxErr", "snr", "ra", "dec")
_FORCED = ("id", "diaObjectId", "visit", "t", "band", "psfFlux", "psfFluxErr")
_FAILURE = ("_item", "partition", "offset", "id", "reason")


def _schema():
    import pyarrow as pa

    types = {"string": pa.string(), "int": pa.int32(), "long": pa.int64(), "double": pa.float64()}
    return pa.schema([(name, types[kind]) for name, kind in DECODED_COLUMNS])


def decoded_batch(messages: list[tuple[int, int, bytes]]):
    """One Arrow RecordBatch (schema ``DECODED_COLUMNS``) of the decoded ``messages``."""
    import pyarrow as pa

    from minibroker.stream.decode import decode_messages

    d = decode_messages(messages)
    cols: dict[str, list] = {name: [] for name, _ in DECODED_COLUMNS}
    for kind, rows, names in (("alert", d.alerts, _ALERT), ("source", d.sources, _SOURCE),
                              ("forced", d.forced, _FORCED), ("failure", d.failures, _FAILURE)):
        if not rows:
            continue
        cols["kind"] += [kind] * len(rows)
        given = set()
        for i, name in enumerate(names):
            if name.startswith("_"):
                continue
            given.add(name)
            cols[name] += [r[i] for r in rows]
        for name in cols:
            if name != "kind" and name not in given:
                cols[name] += [None] * len(rows)
    schema = _schema()
    return pa.RecordBatch.from_arrays([pa.array(cols[f.name], type=f.type) for f in schema], schema=schema)


def decode_kafka(batches: Iterator) -> Iterator:
    """mapInArrow function: Kafka rows (partition, offset, value) -> decoded rows (``DECODED_DDL``)."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        messages = list(zip(batch.column("partition").to_pylist(), batch.column("offset").to_pylist(),
                            batch.column("value").to_pylist()))
        yield decoded_batch(messages)
