"""Watchlists: CSV checks, the zone index against a brute-force match, hits from a batch's alerts.

Until the stream (migration 004) gives objects positions, alert positions come from the batch
dict the stream passes to run_after_batch; here they are made up for objects loaded from files.
"""

import subprocess
import sys

import numpy as np
import pytest

from minibroker.database import connect
from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render
from minibroker.filters import watchlist
from minibroker.filters.run import Engine
from tests.filters_fixtures import build_sim_db, object_ids


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    return build_sim_db(tmp_path_factory.mktemp("wl_sim"), train=False, n=30)


def write_csv(path, rows, header="name,ra,dec,radius"):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


@pytest.mark.parametrize("bad, line, words", [
    (["B", "abc", 1, 1], 3, "must be numbers"),
    (["B", 360, 1, 1], 3, "ra 360"),
    (["B", 1, -91, 1], 3, "dec -91"),
    (["B", 1, 1, 0], 3, "radius 0"),
    (["B", 1, 1, 4000], 3, "radius 4000"),
    (["", 1, 1, 1], 3, "name is empty"),
    (["B", 1, 1], 3, "expected 4 fields"),
    (["B", "nan", 1, 1], 3, "ra nan"),
])
def test_a_bad_row_is_refused_with_its_line_and_nothing_changes(db, tmp_path, bad, line, words):
    good = write_csv(tmp_path / "good.csv", [["A", 10, 20, 5], ["C", 11, 21, 5]])
    assert watchlist.load(db, "w", good) == 2
    badf = write_csv(tmp_path / "bad.csv", [["A", 10, 20, 5], bad, ["D", 1, 2, 3]])
    with pytest.raises(UserError) as exc:
        watchlist.load(db, "w", badf)
    assert f"bad.csv:{line}:" in str(exc.value) and words in str(exc.value)
    assert db.execute("select count(*) from watchlistSources where watchlist = 'w'").fetchone()[0] == 2
    assert db.execute("select nSources from watchlists where name = 'w'").fetchone()[0] == 2


def test_a_bad_header_is_refused(db, tmp_path):
    with pytest.raises(UserError, match=":1: the header"):
        watchlist.load(db, "w", write_csv(tmp_path / "h.csv", [["A", 1, 2, 3]], header="name,ra,dec"))


def random_sky(rng, n):
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    return ra, dec


def test_zone_matching_equals_brute_force(db, tmp_path):
    rng = np.random.default_rng(5)
    n = 20_000
    ra, dec = random_sky(rng, n)
    # crowd the awkward places: RA wrap, poles
    ra[:300] = rng.uniform(359.99, 360, 300) % 360
    ra[300:600] = rng.uniform(0, 0.01, 300)
    dec[600:900] = rng.uniform(89.95, 90, 300)
    dec[900:1200] = rng.uniform(-90, -89.95, 300)
    radius = rng.uniform(1, 120, n)
    write_csv(tmp_path / "big.csv", [[f"s{i}", repr(float(a)), repr(float(d)), repr(float(r))] for i, (a, d, r) in
                                     enumerate(zip(ra, dec, radius))])
    watchlist.load(db, "big", tmp_path / "big.csv")
    # probes: random, and near sources (inside and outside their radius), at the wrap and poles
    pra, pdec = random_sky(rng, 2000)
    near = rng.choice(n, 3000)
    near[:400] = rng.choice(np.arange(1200), 400)
    off = rng.uniform(0, 2, near.size) * radius[near] / 3600
    angle = rng.uniform(0, 2 * np.pi, near.size)
    ndec = np.clip(dec[near] + off * np.sin(angle), -90, 90)
    nra = (ra[near] + off * np.cos(angle) / np.maximum(np.cos(np.radians(ndec)), 1e-3)) % 360
    pra, pdec = np.concatenate([pra, nra]), np.concatenate([pdec, ndec])
    got = {(k, s) for k, _, s, _ in watchlist.match_positions(db, pra, pdec)}
    want = set()
    for k in range(len(pra)):
        sep = watchlist.separation_arcsec(pra[k], pdec[k], ra, dec)
        want |= {(k, f"s{i}") for i in np.flatnonzero(sep <= radius)}
    assert len(want) > 1000
    assert got == want


def test_candidates_come_from_the_zone_index(db, tmp_path):
    watchlist.load(db, "w", write_csv(tmp_path / "w.csv", [["A", 10, 20, 5]]))
    db.execute(render("filtering/watchlist_probe_table.sql"))
    plan = " ".join(r[3] for r in db.execute("explain query plan " + render("filtering/watchlist_candidates.sql")))
    assert "watchlistSources_zone" in plan and "SCAN s" not in plan, plan


def test_batch_alerts_hit_watchlists_and_near_watchlist_delivers(sim_db, tmp_path):
    ids = object_ids(sim_db)
    conn = connect(sim_db)
    watchlist.load(conn, "friends", write_csv(tmp_path / "f.csv", [
        ["M31ish", 10.68, 41.27, 30], ["wrap", 359.9999, 0.0, 2], ["far", 200.0, -30.0, 1]]))
    conn.close()
    alerts = [
        {"diaSourceId": 1, "objId": ids[0], "ra": 10.68 + 20 / 3600 / np.cos(np.radians(41.27)), "dec": 41.27, "mjd": 1.0},
        {"diaSourceId": 2, "objId": ids[1], "ra": 0.0002, "dec": 0.0, "mjd": 1.0},      # 1.08" across RA 0
        {"diaSourceId": 3, "objId": ids[2], "ra": 200.0, "dec": -30.0 + 2 / 3600, "mjd": 1.0},  # 2" > 1"
        {"diaSourceId": 4, "objId": ids[3], "ra": None, "dec": None, "mjd": 1.0},
    ]
    engine = Engine(sim_db, deliveries_dir=tmp_path / "out")
    summary = engine.after_batch(ids[:4], {"id": "v1", "alerts": alerts})
    assert summary.watchlist_hits == 2
    conn = connect(sim_db)
    hits = conn.execute("select watchlist, source, objId, diaSourceId, round(separation, 2) from watchlistHits "
                        "order by diaSourceId").fetchall()
    assert hits == [("friends", "M31ish", ids[0], 1, 20.0), ("friends", "wrap", ids[1], 2, round(1.08, 2))]
    near = conn.execute("select objId, diaSourceId from filterMatches where filter = 'near_watchlist' "
                        "order by diaSourceId").fetchall()
    assert near == [(ids[0], 1), (ids[1], 2)]
    lines = (tmp_path / "out" / "near_watchlist.jsonl").read_text().splitlines()
    assert len(lines) == 2
    # the same alerts again: no new hit, no new match
    again = engine.after_batch(ids[:4], {"id": "v2", "alerts": alerts})
    assert again.watchlist_hits == 0 and again.matches == 0
    engine.close()


def test_cli_refuses_a_bad_csv_in_one_line(sim_db, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [["A", 1, 2, 3], ["B", 1, 95, 3]])
    r = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "watchlist", "--db", str(sim_db), "--name", "x", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "bad.csv:3: dec 95" in r.stderr, r.stderr
