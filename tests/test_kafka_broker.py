"""The real Apache Kafka test broker (tools/kafka/kafka.py): messages go through it byte for byte on both
listeners, SCRAM refuses a wrong password, stop() leaves no JVM, and a SIGKILLed broker restarted on
its log directory still holds what it acknowledged."""

import os
import random
import socket
import subprocess
import sys
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from kafka_fixture import kafka_tool, start_broker


def make_messages(n, seed):
    """n (key, value) pairs of random bytes, every byte value, empty values and a 256 KiB one among them."""
    rng = random.Random(seed)
    msgs = [(rng.randbytes(rng.randint(1, 16)), rng.randbytes(rng.choice([0, 1, 7, 100, 5000])))
            for _ in range(n - 1)]
    msgs.append((b"big", bytes(range(256)) * 1024))
    return msgs


def produce(config, topic, msgs):
    producer = Producer({**config, "acks": "all", "enable.idempotence": True, "linger.ms": 5,
                         "message.max.bytes": 2_000_000})
    failed = []
    for key, value in msgs:
        producer.produce(topic, value=value, key=key,
                         on_delivery=lambda err, msg: err is not None and failed.append(err))
        producer.poll(0)
    assert producer.flush(30) == 0, "messages still queued after 30 s"
    assert failed == []


def consume(config, topic, n, group=None, timeout=60):
    """Up to n messages of topic as (key, value), read by a consumer in a (fresh) consumer group."""
    consumer = Consumer({**config, "group.id": group or f"g-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < n and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            got.append((msg.key(), msg.value() or b""))
        if got:
            consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return got


@pytest.mark.parametrize("sasl", [False, True], ids=["plaintext", "sasl-scram"])
def test_messages_round_trip_byte_for_byte(kafka, kafka_topic, sasl):
    msgs = make_messages(300, seed=1 + sasl)
    config = kafka.client_config(sasl=sasl)
    produce(config, kafka_topic, msgs)
    got = consume(config, kafka_topic, len(msgs))
    assert got == msgs  # one partition: the order is the produce order


def test_consumer_group_resumes_after_its_committed_offset(kafka, kafka_topic):
    msgs = make_messages(40, seed=3)
    produce(kafka.client_config(), kafka_topic, msgs[:25])
    assert consume(kafka.client_config(), kafka_topic, 25, group="resume") == msgs[:25]
    assert committed(kafka.client_config(), "resume", kafka_topic) == [25]
    produce(kafka.client_config(sasl=True), kafka_topic, msgs[25:])
    assert consume(kafka.client_config(sasl=True), kafka_topic, 15, group="resume") == msgs[25:]
    assert committed(kafka.client_config(), "resume", kafka_topic) == high_watermarks(kafka.client_config(), kafka_topic) == [40]


def high_watermarks(config, topic):
    """The end offset of each partition of topic."""
    consumer = Consumer({**config, "group.id": "watermarks"})
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in sorted(parts)]
    finally:
        consumer.close()


def committed(config, group, topic):
    consumer = Consumer({**config, "group.id": group})
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return [tp.offset for tp in consumer.committed([TopicPartition(topic, p) for p in sorted(parts)], timeout=10)]
    finally:
        consumer.close()


def auth_errors(config, topic, seconds=20):
    """The error codes a producer with these settings meets while it tries to send one message."""
    errors = []
    producer = Producer({**config, "log_level": 0, "error_cb": errors.append})
    producer.produce(topic, b"should not arrive")
    deadline = time.monotonic() + seconds
    while not errors and time.monotonic() < deadline:
        producer.poll(0.2)
    producer.purge()
    producer.flush(1)
    return [e.code() for e in errors]


@pytest.mark.parametrize("wrong", ["password", "username"])
def test_wrong_credentials_are_refused(kafka, kafka_topic, wrong):
    good = kafka.client_config(sasl=True)
    bad = {**good, "sasl.password": kafka.password + "x"} if wrong == "password" else \
        {**good, "sasl.username": "nobody"}
    assert KafkaError._AUTHENTICATION in auth_errors(bad, kafka_topic)
    assert high_watermarks(good, kafka_topic) == [0]  # nothing of theirs arrived
    produce(good, kafka_topic, [(b"k", b"v")])  # the right ones are let in
    assert high_watermarks(good, kafka_topic) == [1]


def test_sigkill_then_restart_keeps_acknowledged_messages(tmp_path):
    broker = start_broker(tmp_path / "k", sasl=False)
    try:
        topic = broker.create_topic("survives", partitions=2)
        msgs = make_messages(200, seed=4)
        produce(broker.client_config(), topic, msgs)
        first = consume(broker.client_config(), topic, 120, group="g")  # 120 committed, the rest not yet
        pid, address = broker.pid, broker.bootstrap
        broker.kill()
        assert not kafka_tool._pid_alive(pid)
        broker.restart()
        assert broker.pid != pid and broker.bootstrap == address
        assert sum(committed(broker.client_config(), "g", topic)) == 120  # the group's offsets survived
        assert sum(high_watermarks(broker.client_config(), topic)) == 200  # and every message
        rest = consume(broker.client_config(), topic, len(msgs) - len(first), group="g")
        assert sorted(first + rest) == sorted(msgs)  # none lost, none twice, after the crash
        again = consume(broker.client_config(), topic, len(msgs))  # a new group sees everything
        assert sorted(again) == sorted(msgs)
    finally:
        broker.stop()


def test_stop_leaves_no_java_process(tmp_path):
    broker = start_broker(tmp_path / "k", sasl=True)
    pid = broker.pid
    cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    assert b"kafka.Kafka" in cmdline and os.path.basename(os.readlink(f"/proc/{pid}/exe")) == "java"
    broker.stop()
    assert not os.path.exists(f"/proc/{pid}") or not kafka_tool._pid_alive(pid)
    assert broker.pid is None and not broker.running()
    broker.stop()  # stopping a stopped broker is harmless


def test_missing_jars_fail_with_the_make_target(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIBROKER_KAFKA_HOME", str(tmp_path / "empty"))
    with pytest.raises(kafka_tool.KafkaUnavailable, match="make kafka-jars"):
        kafka_tool.check()
    with pytest.raises(kafka_tool.KafkaUnavailable, match="make kafka-jars"):
        kafka_tool.KafkaBroker(tmp_path / "k").start()
    assert not (tmp_path / "k").exists()  # nothing started, nothing written


def test_a_taken_port_fails_clearly_or_is_replaced(tmp_path, monkeypatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        # asked for: a clear error naming the cause, with the server log's tail, and no JVM left
        with pytest.raises(kafka_tool.KafkaStartError, match="Address already in use"):
            start_broker(tmp_path / "asked", port=taken)
        assert not kafka_tool.KafkaBroker(tmp_path / "asked").running()
        # picked by the tool and taken before the JVM bound it: it takes other free ports
        real_free_port, first = kafka_tool.free_port, [taken]
        monkeypatch.setattr(kafka_tool, "free_port", lambda: first.pop() if first else real_free_port())
        broker = start_broker(tmp_path / "picked")
        try:
            assert broker.port != taken
            assert broker.create_topic("works") == "works"
            assert kafka_tool.KafkaBroker(tmp_path / "picked").port == broker.port  # saved for restarts
        finally:
            broker.stop()


@pytest.mark.parametrize("end", ["exit", "sigkill"])
def test_no_jvm_outlives_the_python_that_started_it(tmp_path, end):
    """A normal exit stops the broker (atexit); a SIGKILLed parent takes the JVM with it."""
    kafka_tool.check()
    script = ("import sys, time; sys.path.insert(0, sys.argv[1]); import kafka; "
              "b = kafka.KafkaBroker(sys.argv[2]).start(); print(b.pid, flush=True); "
              "time.sleep(600 if sys.argv[3] == 'sigkill' else 0)")
    child = subprocess.Popen([sys.executable, "-c", script, str(kafka_tool.HERE), str(tmp_path / "k"), end],
                             stdout=subprocess.PIPE, text=True)
    try:
        jvm = int(child.stdout.readline())
        assert kafka_tool._pid_alive(jvm)
        if end == "sigkill":
            child.kill()
        child.wait(timeout=60)
        deadline = time.monotonic() + 20
        while kafka_tool._pid_alive(jvm) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not kafka_tool._pid_alive(jvm)
    finally:
        child.kill()
        child.wait()
        kafka_tool.KafkaBroker(tmp_path / "k").kill()  # should the test fail: no JVM left either
