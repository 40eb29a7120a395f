"""Delivery: JSON lines, HTTP POST to a local server, Kafka (a real broker, Avro), digests,
at least once with retries on later batches, bounded time per batch."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fastavro
import pytest

from minibroker.database import connect
from minibroker.filters import deliver
from minibroker.filters.run import Engine
from tests.filters_fixtures import build_sim_db, copy_db, object_ids, write_filter


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    return build_sim_db(tmp_path_factory.mktemp("dl_sim"), n=60)


@pytest.fixture
def work(sim_db, tmp_path):
    return copy_db(sim_db, tmp_path)


class Server:
    """A local HTTP server collecting POSTed JSON bodies (``delay`` seconds per request)."""

    def __init__(self, port=0, delay=0.0):
        self.bodies = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                time.sleep(outer.delay)
                outer.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.delay = delay
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.delay = 0
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def every_filter(d, sinks):
    return write_filter(d, "every", "-- stream: true\n" + "".join(f"-- deliver: {s}\n" for s in sinks) +
                        "select objId, objId % 7 as seven from batchObjects\n")


def statuses(path):
    conn = connect(path, readonly=True)
    out = conn.execute("select sink, status, count(*) from deliveries group by sink, status order by 1, 2").fetchall()
    conn.close()
    return out


def test_jsonl_http_and_digest_get_every_match(work, tmp_path):
    server = Server()
    try:
        every_filter(tmp_path / "f", ["jsonl", f"http http://127.0.0.1:{server.port}/hook", "digest"])
        engine = Engine(work, filters_dir=tmp_path / "f", deliveries_dir=tmp_path / "out")
        ids = object_ids(work)[:12]
        summary = engine.after_batch(ids, {"id": "b1"})
        assert summary.matches == 12 and summary.delivery.ok == 36, summary.line()
        lines = [json.loads(x) for x in (tmp_path / "out" / "every.jsonl").read_text().splitlines()]
        assert sorted(r["objId"] for r in lines) == ids
        assert sorted(b["objId"] for b in server.bodies) == ids
        rec = server.bodies[0]
        assert rec["filter"] == "every" and json.loads(rec["payload"])["seven"] == rec["objId"] % 7
        assert rec["classification"]["className"] in {"SNIa", "SNCC", "RRLyrae", "Mdwarf", "AGN", "constant"}
        assert set(rec["features"]) >= {"gStd", "rAmp", "gMinusR"}
        digests = list((tmp_path / "out" / "digest").iterdir())
        assert sorted(p.suffix for p in digests) == [".html", ".txt"]
        txt = next(p for p in digests if p.suffix == ".txt").read_text().splitlines()
        assert len(txt) == 12 and all("every" in x for x in txt)
        assert statuses(work) == [("digest", "ok", 12), ("http", "ok", 12), ("jsonl", "ok", 12)]
        engine.close()
    finally:
        server.stop()


def test_a_down_sink_is_retried_on_later_batches_and_never_blocks(work, tmp_path):
    port = free_port()
    every_filter(tmp_path / "f", [f"http http://127.0.0.1:{port}/hook"])
    engine = Engine(work, filters_dir=tmp_path / "f", deliveries_dir=tmp_path / "out", delivery_budget=1.0)
    ids = object_ids(work)
    s1 = engine.after_batch(ids[:5], {"id": "b1"})   # nothing listens: refused at once
    assert s1.matches == 5 and s1.delivery.ok == 0 and s1.delivery.failed == 1 and s1.delivery.left == 4
    conn = connect(work, readonly=True)
    err = conn.execute("select error from deliveries where status = 'error'").fetchone()[0]
    assert f"127.0.0.1:{port}" in err and "refused" in err.lower()
    # a server that hangs: the batch still ends within the budget plus one HTTP timeout
    slow = Server(port=port, delay=30)
    try:
        t0 = time.monotonic()
        s2 = engine.after_batch(ids[5:8], {"id": "b2"})
        took = time.monotonic() - t0
        assert s2.matches == 3 and s2.delivery.ok == 0
        assert took < engine.delivery_budget + deliver.HTTP_TIMEOUT + 5, took
    finally:
        slow.stop()
    server = Server(port=port)
    try:
        s3 = engine.after_batch(ids[8:10], {"id": "b3"})
        assert s3.delivery.ok == 10 and s3.delivery.left == 0, s3.line()
        got = sorted(b["objId"] for b in server.bodies)
        assert got == ids[:10]          # every match once the server is up: none lost
        assert statuses(work) == [("http", "ok", 10)]
        attempts = dict(conn.execute("select m.objId, d.attempts from deliveries d join filterMatches m using (matchId)"))
        assert attempts[ids[0]] >= 2 and attempts[ids[9]] == 1
    finally:
        server.stop()
    engine.close()


def test_avro_records_follow_the_published_schema(work, tmp_path):
    every_filter(tmp_path / "f", ["jsonl"])
    engine = Engine(work, filters_dir=tmp_path / "f", deliveries_dir=tmp_path / "out")
    engine.after_batch(object_ids(work)[:3], {"id": "b1"})
    recs = [json.loads(x) for x in (tmp_path / "out" / "every.jsonl").read_text().splitlines()]
    schema = fastavro.parse_schema(json.loads(deliver.SCHEMA_PATH.read_text()))
    for rec in recs:
        assert fastavro.validation.validate(rec, schema)
        data = deliver.encode(rec)
        assert data[:2] == b"\xc3\x01" and data[2:10] == deliver.fingerprint()
        assert deliver.decode(data) == rec
    with pytest.raises(ValueError):
        deliver.decode(b"\x00" + data[1:])
    engine.close()


def test_kafka_topic_gets_the_annotated_alerts(work, tmp_path, kafka, kafka_topic):
    from confluent_kafka import Consumer

    every_filter(tmp_path / "f", [f"kafka {kafka_topic}"])
    engine = Engine(work, filters_dir=tmp_path / "f", deliveries_dir=tmp_path / "out",
                    kafka_bootstrap=kafka.bootstrap, delivery_budget=30)
    ids = object_ids(work)[:6]
    alerts = [{"diaSourceId": 900 + i, "objId": o, "ra": 10.0 + i, "dec": -5.0, "mjd": 60100.5, "band": "r",
               "psfFlux": 1234.5, "psfFluxErr": 12.0} for i, o in enumerate(ids)]
    s = engine.after_batch(ids, {"id": "v1", "alerts": alerts})
    assert s.delivery.ok == 6, s.line()
    consumer = Consumer(kafka.client_config(**{"group.id": "t", "auto.offset.reset": "earliest"}))
    consumer.subscribe([kafka_topic])
    got, deadline = [], time.monotonic() + 60
    while len(got) < 6 and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is not None and not msg.error():
            got.append(deliver.decode(msg.value()))
    consumer.close()
    assert sorted(r["objId"] for r in got) == ids
    r = next(r for r in got if r["objId"] == ids[2])
    assert r["diaSourceId"] == 902 and r["diaSource"]["ra"] == 12.0 and r["diaSource"]["psfFlux"] == 1234.5
    assert r["filter"] == "every" and r["classification"]["scoreKind"] == "probability"
    assert abs(sum(r["classification"]["scores"].values()) - 1) < 1e-9
    engine.close()


def test_kafka_down_is_recorded_and_retried(work, tmp_path):
    every_filter(tmp_path / "f", ["kafka some-topic"])
    engine = Engine(work, filters_dir=tmp_path / "f", deliveries_dir=tmp_path / "out",
                    kafka_bootstrap=f"127.0.0.1:{free_port()}", delivery_budget=1.0)
    s = engine.after_batch(object_ids(work)[:2], {"id": "b1"})
    assert s.delivery.ok == 0 and s.delivery.failed >= 1
    assert statuses(work)[0][:2] in {("kafka", "error"), ("kafka", "pending")}
    engine.close()
