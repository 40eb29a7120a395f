"""The Kafka source: ``kafka://host:port/topic``, messages in the Confluent wire format.

Exactly once into SQLite: a batch of messages and, per partition, the next offset to read commit in
one SQLite transaction (``streamOffsets``). The database has one writer, so one process reads every
partition of the topic: it assigns them itself and starts each at the offset stored in the database
(the beginning for a partition the database has not seen). The consumer group's offsets are
committed after each batch, for tools that watch the group's lag, but never read back. So a kill at
any instant loses nothing and stores nothing twice, and a new database reads the topic from its
start whatever the group did before.

Credentials: ``MINIBROKER_KAFKA_USERNAME`` / ``MINIBROKER_KAFKA_PASSWORD`` (SASL, mechanism
``MINIBROKER_KAFKA_MECHANISM``, default SCRAM-SHA-512; ``MINIBROKER_KAFKA_SECURITY_PROTOCOL``,
default SASL_PLAINTEXT, or SASL_SSL).
"""

from __future__ import annotations

import logging
import os
import time

from minibroker.core.errors import UserError
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.stream.decode import Decoded, decode_messages
from minibroker.stream.store import Position, store_batch

PARALLEL_MIN_MESSAGES = 2000   # fewer messages decode in this process
PARTITIONS_EVERY = 10.0       # seconds between looks for partitions added to a followed topic


def parse_url(url: str) -> tuple[str, str]:
    """(bootstrap servers, topic) of kafka://host:port[,host:port…]/topic."""
    rest = url[len("kafka://"):] if url.startswith("kafka://") else ""
    servers, _, topic = rest.partition("/")
    if not servers or not topic or "/" in topic:
        raise UserError(f"{url} is not a Kafka source: write kafka://host:port/topic")
    return servers, topic


def client_config(servers: str, group: str) -> dict:
    conf = {"bootstrap.servers": servers, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "enable.partition.eof": False,
            "max.partition.fetch.bytes": 8 << 20}
    user = os.environ.get("MINIBROKER_KAFKA_USERNAME")
    if user:
        password = os.environ.get("MINIBROKER_KAFKA_PASSWORD")
        if password is None:
            raise UserError("MINIBROKER_KAFKA_USERNAME is set but MINIBROKER_KAFKA_PASSWORD is not: set both "
                            "(or neither for a broker without authentication)")
        conf.update({"security.protocol": os.environ.get("MINIBROKER_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
                     "sasl.mechanism": os.environ.get("MINIBROKER_KAFKA_MECHANISM", "SCRAM-SHA-512"),
                     "sasl.username": user, "sasl.password": password})
    return conf


def stored_offsets(conn, topic: str) -> dict[int, int]:
    return dict(conn.execute(render("stream/offsets.sql"), {"topic": topic}).fetchall())


def decode_batch(messages: list[tuple[int, int, bytes]], jobs: int, conn=None) -> Decoded:
    """The messages decoded, without the measurements the database of ``conn`` holds already."""
    if jobs <= 1 or len(messages) < PARALLEL_MIN_MESSAGES or (conn is not None and not conn.filename):
        return decode_messages(messages, 0, conn)
    from minibroker.core.workers import get_pool

    size = -(-len(messages) // jobs)
    db = conn.filename if conn is not None else None
    tasks = [(messages[i:i + size], i, db) for i in range(0, len(messages), size)]
    out = Decoded()
    for part in get_pool(jobs).map(decode_messages, tasks):
        out.extend(part)
    return out


def consume(conn, url: str, dataset: str, classifier, *, group: str = "minibroker", batch: int = 10_000,
            batch_seconds: float = 2.0, follow: bool = False, idle_seconds: float = 10.0, jobs: int = 1,
            stop=lambda: False, timeout: float = 30.0):
    """Yield a BatchReport per stored batch. Without ``follow``: stop once every assigned partition
    is read to its end (or nothing was assigned or arrived for ``idle_seconds``). ``conn`` may be a
    function making the connection: it is called once the broker has answered for the topic."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

    servers, topic = parse_url(url)
    errors: list[str] = []   # librdkafka's errors, for the one-line message (its log stays quiet)
    quiet = logging.getLogger("minibroker.stream.kafka")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    consumer = Consumer({**client_config(servers, group), "logger": quiet,
                         "error_cb": lambda err: errors.append(err.str())})
    try:
        try:
            meta = consumer.list_topics(topic, timeout=timeout)
        except KafkaException as exc:
            why = next((e for e in reversed(errors) if "uthenticat" in e), errors[-1] if errors else exc.args[0])
            raise UserError(f"cannot read from Kafka at {servers}: {why}: check the address and the "
                            "MINIBROKER_KAFKA_* credentials") from None
        tmeta = meta.topics.get(topic)
        if tmeta is None or tmeta.error is not None or not tmeta.partitions:
            raise UserError(f"no topic {topic!r} on {servers}: check the topic name")
        if callable(conn):
            conn = conn()
        # one writer per database: this process reads every partition, from where the database says
        stored = stored_offsets(conn, topic)
        assigned = sorted(tmeta.partitions)
        consumer.assign([TopicPartition(topic, p, stored.get(p, OFFSET_BEGINNING)) for p in assigned])
        last_message, started = time.monotonic(), time.time()
        looked = time.monotonic()
        while not stop():
            if follow and time.monotonic() - looked > PARTITIONS_EVERY:
                # partitions added to the topic while following are read too, from where the database says
                looked = time.monotonic()
                added = _new_partitions(consumer, topic, assigned)
                if added:
                    stored = stored_offsets(conn, topic)
                    consumer.incremental_assign([TopicPartition(topic, p, stored.get(p, OFFSET_BEGINNING))
                                                 for p in added])
                    assigned = sorted(assigned + added)
            messages = consumer.consume(num_messages=batch, timeout=batch_seconds)
            received = time.time()
            good = []
            for m in messages:
                if m.error() is not None:
                    if m.error().fatal():
                        raise UserError(f"Kafka consumer failed: {m.error().str()}")
                    continue
                good.append((m.partition(), m.offset(), m.value()))
                received = min(received, max(started, _arrival(m)))
            received_at = utc_now(received)
            if good:
                last_message = time.monotonic()
                stored = stored_offsets(conn, topic)
                fresh = [g for g in good if g[1] >= stored.get(g[0], 0)]   # never twice
                nexts: dict[int, int] = {}
                for p, o, _ in good:
                    nexts[p] = max(nexts.get(p, 0), o + 1)
                decoded = decode_batch(fresh, jobs, conn)
                first = {p: min(o for q, o, _ in good if q == p) for p in nexts}
                name = topic + " " + ",".join(f"[{p}]{first[p]}-{nexts[p] - 1}" for p in sorted(nexts))
                report = store_batch(conn, dataset, decoded, Position(url, topic=topic, offsets=nexts), received,
                                     received_at, classifier, name=name)
                consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in nexts.items()], asynchronous=True)
                yield report
                continue
            if follow:
                continue
            if _caught_up(consumer, topic, assigned, stored_offsets(conn, topic), timeout):
                return
            if time.monotonic() - last_message > idle_seconds:
                return
    finally:
        consumer.close()


def _new_partitions(consumer, topic: str, assigned: list[int]) -> list[int]:
    """Partitions of ``topic`` not in ``assigned`` (none when the broker does not answer now)."""
    from confluent_kafka import KafkaException

    try:
        meta = consumer.list_topics(topic, timeout=5.0).topics.get(topic)
    except KafkaException:
        return []
    if meta is None or meta.error is not None:
        return []
    return sorted(set(meta.partitions) - set(assigned))


def _arrival(message) -> float:
    """When a message reached Kafka (its timestamp: the producer's create time or the broker's
    append time), so the latency counts its wait in the topic; now when it has none. The caller
    never counts before its own start (a backlog from before it is replay, not latency)."""
    kind, ms = message.timestamp()
    return ms / 1000.0 if kind != 0 and ms > 0 else time.time()   # 0: TIMESTAMP_NOT_AVAILABLE


def _caught_up(consumer, topic: str, partitions: list[int], stored: dict[int, int], timeout: float) -> bool:
    from confluent_kafka import TopicPartition

    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
        if max(stored.get(p, 0), low) < high:
            return False
    return True
