"""Decoding real alert packets: the sample alerts lsst-alert-packet ships for every schema version,
in container files and in the Confluent wire format, and simulated alerts valid per the package."""

import struct

import fastavro
import pytest
from lsst.alert.packet import Schema, get_latest_schema_version

from minibroker.stream import schemas
from minibroker.stream.decode import decode_file, decode_messages, encode_message
from stream_helpers import read_alerts, sample_files, simulated


def test_every_schema_version_of_the_package_is_known_and_latest_is_its_latest():
    root = schemas.schema_root()
    shipped = sorted((int(p.parent.name), int(p.name)) for p in root.glob("*/*")
                     if p.is_dir() and p.parent.name.isdigit() and p.name.isdigit())
    assert list(schemas.versions()) == shipped
    assert len(shipped) >= 15  # 3.0 … 11.1 when this was written
    assert schemas.latest() == get_latest_schema_version()
    assert schemas.latest_version().text == "%d.%d" % get_latest_schema_version()


@pytest.mark.parametrize("version", list(sample_files()))
def test_sample_alert_of_each_version_decodes_with_its_fields(version):
    path = sample_files()[version]
    record = read_alerts(path)[0]
    d = decode_file(str(path))
    assert d.error is None and d.failures == []
    assert d.version == version
    (alert,) = d.alerts
    src = record["diaSource"]
    assert alert[1] == src["diaSourceId"]
    # the object: diaObject's id (the sample packets leave diaSource.diaObjectId null)
    obj = record["diaObject"]
    assert alert[2] == (obj["diaObjectId"] if obj and obj.get("diaObjectId") is not None else src["diaObjectId"])
    assert alert[8] == len(record["prvDiaSources"] or [])
    assert alert[9] == len(record["prvDiaForcedSources"] or [])
    flux = src.get("psfFlux", src.get("psFlux"))
    band = src.get("band", src.get("filterName"))
    assert [s[0] for s in d.sources] == [src["diaSourceId"]] + [s["diaSourceId"] for s in record["prvDiaSources"]]
    assert d.sources[0][4] == band and d.sources[0][5] == flux


@pytest.mark.parametrize("version", list(sample_files()))
def test_wire_format_gives_the_same_rows_as_the_container_file(version):
    v = schemas.versions()[tuple(map(int, version.split(".")))]
    record = read_alerts(sample_files()[version])[0]
    message = encode_message(record, v)
    assert message[0] == 0 and struct.unpack(">I", message[1:5])[0] == v.major * 100 + v.minor
    from_file = decode_file(str(sample_files()[version]))
    from_wire = decode_messages([(3, 17, message)])
    assert from_wire.failures == []
    assert [a[1:12] for a in from_wire.alerts] == [a[1:12] for a in from_file.alerts]
    assert from_wire.alerts[0][12:] == (3, 17)
    assert from_wire.sources == from_file.sources and from_wire.forced == from_file.forced


def _plain(value):
    """A cavro record as plain dicts and lists, to compare with fastavro's decode."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    return value


@pytest.mark.parametrize("version", list(sample_files()))
def test_cavro_decodes_every_field_as_fastavro_does(version, tmp_path):
    """The decoder is cavro; fastavro (the reference Python implementation) must agree on every field
    of the package's sample alert and of simulated alerts written with that version's schema."""
    v = schemas.versions()[tuple(map(int, version.split(".")))]
    records = read_alerts(sample_files()[version])
    for record in records:
        message = encode_message(record, v)
        assert _plain(v.codec.binary_decode(message[5:])) == record
    if version == schemas.latest_version().text:
        for f in sorted(simulated(tmp_path / "sim", n=4).glob("*.avro"))[:5]:
            for record in read_alerts(f):
                assert _plain(v.codec.binary_decode(encode_message(record, v)[5:])) == record


def test_bad_messages_fail_with_a_reason_and_the_others_decode():
    good = encode_message(read_alerts(sample_files()["11.1"])[0], schemas.versions()[(11, 1)])
    unknown = b"\x00" + struct.pack(">I", 9999) + good[5:]
    d = decode_messages([(0, 0, b"\x01" + good[1:]), (0, 1, unknown), (0, 2, good[:40]), (0, 3, good),
                         (0, 4, b""), (0, 5, good + b"\x02")])
    assert [a[13] for a in d.alerts] == [3]
    reasons = {f[2]: f[4] for f in d.failures}
    assert set(reasons) == {0, 1, 2, 4, 5}
    assert "bytes left after the record" in reasons[5]
    assert "wire format" in reasons[0] and "wire format" in reasons[4]
    assert "schema id 9999" in reasons[1]
    assert "does not decode with schema 11.1" in reasons[2]


def test_container_file_with_a_foreign_schema_fails_whole(tmp_path):
    schema = {"type": "record", "name": "alert", "namespace": "other", "fields": [{"name": "x", "type": "long"}]}
    p = tmp_path / "foreign.avro"
    with open(p, "wb") as fh:
        fastavro.writer(fh, schema, [{"x": 1}])
    d = decode_file(str(p))
    assert d.alerts == [] and "none of lsst-alert-packet's alert schemas" in d.error
    (tmp_path / "junk.avro").write_bytes(b"Obj\x01garbage")
    assert "not a valid Avro container file" in decode_file(str(tmp_path / "junk.avro")).error


def test_blocks_split_between_parts_give_every_alert_once(tmp_path):
    files = sorted(simulated(tmp_path / "sim", n=6).glob("*.avro"))
    biggest = max(files, key=lambda p: p.stat().st_size)
    whole = decode_file(str(biggest))
    parts = [decode_file(str(biggest), k, 3) for k in range(3)]
    assert sorted(a for p in parts for a in p.alerts) == sorted(whole.alerts)
    assert sorted(s for p in parts for s in p.sources) == sorted(whole.sources)


def test_simulated_alerts_are_valid_latest_schema_packets(tmp_path):
    out = simulated(tmp_path / "sim", n=8)
    files = sorted(out.glob("*.avro"))
    assert files and not list(out.glob(".*"))  # no half-written file left behind
    schema = Schema.from_file()  # the package's latest
    latest = "lsst.v%d_%d.alert" % get_latest_schema_version()
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            reader = fastavro.reader(fh)
            assert reader.writer_schema["name"] == latest
            records = list(reader)
        nights = {int(r["diaSource"]["midpointMjdTai"]) for r in records}
        assert nights == {int(f.stem.split("_")[1])}  # one file per night
        for r in records:
            assert schema.validate(r)
            src = r["diaSource"]
            assert abs(src["psfFlux"]) / src["psfFluxErr"] >= 5  # detections only
            assert all(src["midpointMjdTai"] - p["midpointMjdTai"] <= 365
                       for p in (r["prvDiaSources"] or []) + (r["prvDiaForcedSources"] or []))
            assert 0 <= r["diaObject"]["ra"] < 360 and -90 <= r["diaObject"]["dec"] <= 90
            n += 1
    assert n > 20
    assert any(r["prvDiaForcedSources"] for f in files for r in read_alerts(f))


def test_prefetched_decoding_of_many_files_equals_decoding_each_alone(tmp_path, monkeypatch):
    """The directory source decodes the next file in the workers while this one is stored: the
    alerts, measurements and failures of every file must be exactly those of decoding it alone."""
    from minibroker.stream import directory
    from minibroker.stream.directory import decoded_files

    monkeypatch.setattr(directory, "PARALLEL_MIN_BYTES", 0)  # these small files through the workers too

    d = simulated(tmp_path / "alerts", n=12, nights=40)
    (d / "zz_junk.avro").write_bytes(b"not avro at all")
    paths = sorted(str(p) for p in d.glob("*.avro"))
    assert len(paths) > 3
    together = list(decoded_files(paths, jobs=2))
    assert [p for p, _ in together] == paths
    for path, got in together:
        alone = decode_file(path)
        assert got.error == alone.error and got.version == alone.version, path
        for field in ("alerts", "sources", "forced", "failures"):
            assert sorted(getattr(got, field), key=repr) == sorted(getattr(alone, field), key=repr), (path, field)
    assert together[-1][1].error and not together[0][1].error


def test_a_file_arrives_when_renamed_in_but_never_before_the_stream_started(tmp_path):
    import os
    import time

    from minibroker.stream.directory import arrival

    old = tmp_path / "old.avro"
    old.write_bytes(b"x")
    time.sleep(0.05)
    since = time.time()  # the stream started after the file was there: replay, not latency
    assert arrival(str(old), since) == since
    start = time.time()
    time.sleep(0.05)
    (tmp_path / ".new.avro").write_bytes(b"y")
    os.rename(tmp_path / ".new.avro", tmp_path / "new.avro")
    got = arrival(str(tmp_path / "new.avro"), start - 60)
    assert got == os.stat(tmp_path / "new.avro").st_ctime and start < got <= time.time()
