"""The portal without a browser: datasette's own client in this process, and the server
subprocess while a load writes into the database it reads."""

import asyncio
import csv
import io
import json
import shutil
import subprocess
import sys
from urllib.parse import quote

import apsw
import numpy as np
import pytest

from minibroker.database import connect
from conftest import random_rows, write_lc
from minibroker.portal import DB_NAME
from minibroker.portal.server import make_app
from portal_fixtures import Server, build_portal_db


@pytest.fixture(scope="module")
def portal_db(tmp_path_factory):
    return build_portal_db(tmp_path_factory)


@pytest.fixture(scope="module")
def app(portal_db):
    return make_app(portal_db)


def get(ds, path):
    return asyncio.run(ds.client.get(path))


def run_on_connection(ds, fn):
    return asyncio.run(ds.get_database(DB_NAME).execute_fn(fn))


def test_object_json_and_csv_hold_every_measurement(app, portal_db):
    conn = apsw.Connection(str(portal_db), flags=apsw.SQLITE_OPEN_READONLY)
    rows = conn.execute("select t, pb, flux, dflux from rawPhot join objects using (objId) "
                        "where dataset = 'train' and name = 'FAKE010' order by t, id").fetchall()
    conn.close()
    data = get(app, "/objects/train/FAKE010.json").json()
    assert [(p["t"], p["pb"], p["flux"], p["dflux"]) for p in data["photometry"]] == rows
    assert data["object"]["name"] == "FAKE010" and data["prediction"]["model"] == "rf"
    assert 1 <= data["anomaly"]["rank"] <= 100
    assert {f["feature"] for f in data["features"]} >= {"gStd", "rSkew", "gMinusR"}
    assert all(f["percentile"] is None or 0 <= f["percentile"] <= 100 for f in data["features"])
    r = get(app, "/objects/train/FAKE010.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [(float(x["t"]), x["pb"], float(x["flux"]), float(x["dflux"])) for x in table] == rows


def test_percentile_within_class_counts_the_class(app, portal_db):
    """FAKE010's gAmp percentile: the share of its class's gAmp values below it (half of the equal ones)."""
    conn = apsw.Connection(str(portal_db), flags=apsw.SQLITE_OPEN_READONLY)
    label, = conn.execute("select label from lcLabels join objects using (objId) where name = 'FAKE010'").fetchone()
    mine, = conn.execute("select gAmp from lcFeats join objects using (objId) where name = 'FAKE010'").fetchone()
    values = np.array([v for v, in conn.execute("select f.gAmp from lcFeats f join lcLabels l using (objId) "
                                                "where l.label = ? and f.gAmp is not null", (label,))])
    conn.close()
    expected = 100 * ((values < mine).sum() + 0.5 * (values == mine).sum()) / values.size
    data = get(app, "/objects/train/FAKE010.json").json()
    got = next(f["percentile"] for f in data["features"] if f["feature"] == "gAmp")
    assert got == pytest.approx(round(expected, 1))


def test_class_names_come_from_type_headers(app):
    data = get(app, "/objects/odd/ODD_PERIODIC.json").json()
    assert data["object"]["labelName"] == "7 Periodic"
    assert data["classNames"]["7"] == "Periodic"
    assert data["period"] == pytest.approx(0.6) and data["periodSource"] == "#period: header"
    assert "7 Periodic" in get(app, "/objects/odd/ODD_PERIODIC").text


def test_list_cells_show_class_names_and_link_names(portal_db):
    page = get(make_app(portal_db), f"/{DB_NAME}/objectFeatures?name=ODD_PERIODIC").text
    assert "7 Periodic" in page
    assert 'href="/objects/odd/ODD_PERIODIC"' in page


def test_unknown_object_is_404_in_every_format(app):
    for suffix in ("", ".json", ".csv"):
        r = get(app, f"/objects/train/NOPE{suffix}")
        assert r.status_code == 404 and "NOPE" in r.text and "Traceback" not in r.text


def test_datasette_connections_refuse_writes_below_the_web_layer(app):
    """datasette refuses non-SELECT text itself; the authorizer of make sql refuses the rest
    (temporary tables, ATTACH, PRAGMA changes) on the connection, whatever the entry point."""
    for statement in ("create temp table t (x)", "insert into objects (dataset, name) values ('x', 'y')",
                      "pragma journal_mode = delete", "attach database ':memory:' as other",
                      "select load_extension('nothing')"):
        with pytest.raises(Exception, match="not authorized"):
            run_on_connection(app, lambda conn: conn.execute(statement).fetchall())
    assert run_on_connection(app, lambda conn: conn.execute("select count(*) from objects").fetchone()[0]) == 102


def test_free_sql_time_limit_stops_a_runaway_query(portal_db):
    ds = make_app(portal_db, timeout=0.2)
    runaway = ("with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000000) "
               "select sum(x) from c")
    r = get(ds, f"/{DB_NAME}.json?sql=" + quote(runaway))
    assert r.status_code == 400 and "took too long" in r.json()["error"]


def test_filter_form_defaults_apply_to_empty_fields(app):
    """An empty field takes the default declared in the file, as make sql FILTER= does."""
    from minibroker.analyst.sql import run_filter

    rows = get(app, f"/{DB_NAME}/bright_transients.json?_shape=array&minAmp=&minPoints=&dataset=&top=").json()
    text = run_filter(app.get_database(DB_NAME).path, "bright_transients")
    names = [ln.split("│")[2].strip() for ln in text.splitlines() if ln.startswith("│")][1:]  # without the header
    assert rows and [r["name"] for r in rows] == names


def test_stream_sections_show_the_objects_matches(portal_db, tmp_path):
    """The stream's tables exist from the migrations on: the object page has their sections, empty
    until the object has rows in them, then showing them."""
    db = tmp_path / "stream.db"
    shutil.copy(portal_db, db)
    before = get(make_app(db), "/objects/train/FAKE010").text
    assert 'id="filterMatches"' in before and "young_rising_test" not in before
    conn = connect(db)
    conn.execute("insert into filterMatches (filter, objId, alertKey, batch, matchedAt, payload) "
                 "select 'young_rising_test', objId, 'phot:1', 'b1', '2026-01-01', '{}' from objects "
                 "where name = 'FAKE010'")
    conn.close()
    ds = make_app(db)
    after = get(ds, "/objects/train/FAKE010").text
    assert 'id="filterMatches"' in after and "young_rising_test" in after
    assert "young_rising_test" not in get(ds, "/objects/train/FAKE011").text
    assert "/minibroker/alerts" in get(ds, "/").text


def test_serve_stays_responsive_and_current_while_a_load_writes(portal_db, tmp_path):
    db = tmp_path / "live.db"
    shutil.copy(portal_db, db)
    rng = np.random.default_rng(3)
    data = tmp_path / "live"
    data.mkdir()
    for k in range(300):
        write_lc(data / f"LIVE{k:04d}.dat", random_rows(rng, 60))
    server = Server(db)
    try:
        load = subprocess.Popen([sys.executable, "-m", "minibroker.app.cli", "load", "--db", str(db), "--dataset", "live",
                                 "--jobs", "1", str(data)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        statuses, seen = [], set()
        for _ in range(400):                       # bounded: at most 400 rounds of requests
            for path in ("/", "/objects/train/FAKE010", f"/{DB_NAME}/objects.json?dataset=live&_size=0"):
                status, body = server.get(path)
                statuses.append(status)
                if path.endswith("_size=0") and status == 200:
                    seen.add(json.loads(body)["filtered_table_rows_count"])
            if load.poll() is not None:
                break
        assert load.wait(timeout=300) == 0, load.stdout.read()
        assert set(statuses) == {200}
        status, body = server.get(f"/{DB_NAME}/objects.json?dataset=live&_size=0")
        assert json.loads(body)["filtered_table_rows_count"] == 300   # the finished load is visible at once
        assert len(seen) >= 2   # the portal saw the load progress while it ran, not one frozen snapshot
        assert server.get("/objects/live/LIVE0299")[0] == 200
    finally:
        server.stop()


def test_gp_rows_say_where_data_constrain_them_and_which_fits_not_to_trust(app, portal_db):
    """The page's GP rows carry ``constrained`` (an observation of the band within 2 length scales:
    the plot draws only those) and the bands whose fit is flagged; blank across the season gap."""
    conn = apsw.Connection(str(portal_db), flags=apsw.SQLITE_OPEN_READONLY)
    for name in ("FAKE030", "FAKE010"):
        data = get(app, f"/objects/train/{name}.json").json()
        scales = {f["pb"]: f["lengthScale"] for f in data["gpFeatures"]}
        assert data["fluxUnit"] == {"zeroPoint": 27.5, "name": "AB zero point 27.5"}
        for g in data["gp"]:
            t = np.array([p["t"] for p in data["photometry"] if p["pb"] == g["pb"]])
            assert g["constrained"] == bool(np.min(np.abs(t - g["t"])) <= 2 * scales[g["pb"]])
        flagged = dict(conn.execute("select pb, atBound = 1 or badFit = 1 or converged = 0 from lcGPFeats "
                                    "join objects using (objId) where name = ?", (name,)))
        assert set(data["gpFlags"]) == {pb for pb, f in flagged.items() if f}
    # FAKE030 has a 604-day season gap in every band: no GP row inside it is drawn
    data = get(app, "/objects/train/FAKE030.json").json()
    t = np.array(sorted(p["t"] for p in data["photometry"] if p["pb"] == "r"))
    k = int(np.argmax(np.diff(t)))
    inside = [g for g in data["gp"] if g["pb"] == "r" and t[k] + 40 < g["t"] < t[k + 1] - 40]
    assert inside and not any(g["constrained"] for g in inside)
    conn.close()
