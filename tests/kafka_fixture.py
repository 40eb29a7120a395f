"""pytest plugin: a real Apache Kafka broker (tools/kafka/kafka.py) for the tests that ask for it.

`kafka` (session): one KRaft node on 127.0.0.1 with a plaintext and a SASL_PLAINTEXT (SCRAM-SHA-512)
listener, started on first request only (sessions that never ask start no Java) and stopped at the end.
`kafka_topic` (function): a fresh, uniquely named one-partition topic on it.
Without Java or the jars the fixture FAILS, saying to run `make kafka-jars`."""

import importlib.util
import re
import sys
import uuid
from pathlib import Path

import pytest

KAFKA_PY = Path(__file__).resolve().parents[1] / "tools" / "kafka" / "kafka.py"


def _load_tool():
    name = "minibroker_kafka_tool"  # not `kafka`: that name belongs to other packages
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, KAFKA_PY)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


kafka_tool = _load_tool()


def start_broker(workdir, **kwargs):
    """A started KafkaBroker in workdir, or pytest.fail saying what to install (never a skip)."""
    try:
        kafka_tool.check()
    except kafka_tool.KafkaUnavailable as e:
        pytest.fail(f"a real Kafka broker is needed: {e}", pytrace=False)
    return kafka_tool.KafkaBroker(workdir, **kwargs).start()


@pytest.fixture(scope="session")
def kafka(tmp_path_factory):
    """A running broker: .bootstrap, .sasl_bootstrap, .username, .password, .client_config(sasl=...),
    .create_topic(name, partitions)."""
    broker = start_broker(tmp_path_factory.mktemp("kafka"), sasl=True)
    yield broker
    broker.stop()


@pytest.fixture
def kafka_topic(kafka, request):
    """The name of a fresh one-partition topic on the session broker."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name)[:120]
    return kafka.create_topic(f"{stem}-{uuid.uuid4().hex[:8]}", partitions=1)
