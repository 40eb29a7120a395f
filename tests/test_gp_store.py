"""make gp: lcGP / lcGPFeats written from lcBands, incremental rule, NULL features, the CLI, and
the worker pool's clean shutdown."""

import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from minibroker.app.cli import main
from minibroker.database import connect
from minibroker.gp.store import compute, pending
from minibroker.loader.load import load_files
from tests.conftest import write_lc


@pytest.fixture(scope="module")
def gp_db(real_db, tmp_path_factory):
    """A copy of the real database with make gp run on a 50-point grid (2 worker processes)."""
    path = tmp_path_factory.mktemp("gp") / "gp.db"
    shutil.copy(real_db, path)
    conn = connect(path)
    run = compute(conn, n_grid=50, jobs=2)
    conn.close()
    return path, run


def test_real_db_every_band_fitted_with_requested_grid(gp_db):
    path, run = gp_db
    conn = connect(path)
    assert run.objects == 100
    n_bands = conn.execute("select count(*) from lcBands").fetchone()[0]
    assert run.curves == n_bands  # every object has griz, plus u where observed
    assert run.fitted == conn.execute("select count(*) from lcBands where n >= 3").fetchone()[0]
    sizes = conn.execute("select count(*) from lcGP group by objId, pb").fetchall()
    assert len(sizes) == run.fitted and {s for (s,) in sizes} == {50}
    first_last = conn.execute(
        "select min(g.t) = min(b.t), max(g.t) = max(b.t) from lcGP g "
        "join rawPhot b using (objId, pb) group by objId, pb").fetchall()
    assert all(a and b for a, b in first_last)  # grid from first to last observation
    assert conn.execute("select count(*) from gpFeatsWide").fetchone()[0] == 100
    assert conn.execute("select count(*) from trainingSetGP").fetchone()[0] == 100
    assert conn.execute("select count(*) from lcGP where fluxErr < 0 or flux is null").fetchone()[0] == 0
    assert pending(conn, n_grid=50) == []
    assert compute(conn, n_grid=50, jobs=1).objects == 0  # incremental: nothing to do
    conn.close()


def test_real_db_observations_within_band(gp_db):
    """Observed flux lies within the GP mean +- 1.96 sqrt(sd^2 + e^2) (grid interpolated to the
    observation times) for the bulk of the points of fits not pinned at the amplitude bound."""
    path, _ = gp_db
    conn = connect(path)
    inside = total = 0
    for oid, pb, amp in conn.execute("select objId, pb, amplitude from lcGPFeats "
                                     "where lengthScale is not null and amplitude < 99999").fetchall():
        g = np.array(conn.execute("select t, flux, fluxErr from lcGP where objId = ? and pb = ? order by t",
                                  (oid, pb)).fetchall())
        o = np.array(conn.execute("select t, flux, dflux from rawPhot where objId = ? and pb = ?",
                                  (oid, pb)).fetchall())
        mu = np.interp(o[:, 0], g[:, 0], g[:, 1])
        sd = np.interp(o[:, 0], g[:, 0], g[:, 2])
        inside += np.sum(np.abs(o[:, 1] - mu) <= 1.96 * np.sqrt(sd ** 2 + o[:, 2] ** 2))
        total += len(o)
    conn.close()
    assert total > 1000
    assert inside / total >= 0.90


def _load(conn, tmp_path, rows, name="OBJ1"):
    path = write_lc(tmp_path / f"{name}.dat", rows)
    report = load_files(conn, [path], "ds", jobs=1)
    assert report.failed == 0


def _rows(rng, bands_n):
    out = []
    for pb, n in bands_n.items():
        t = np.sort(rng.uniform(56000, 56100, n))
        for ti in t:
            out.append((f"{ti:.5f}", pb, f"{rng.normal(50, 5):.4f}", f"{rng.uniform(1, 3):.4f}"))
    return out


def test_bands_with_fewer_than_three_points_get_null_features(db, tmp_path):
    rng = np.random.default_rng(1)
    _load(db, tmp_path, _rows(rng, {"g": 2, "r": 12, "u": 1}))
    run = compute(db, n_grid=30, jobs=1)
    assert (run.objects, run.curves, run.fitted) == (1, 5, 1)  # u g r i z
    feats = {r[0]: r[1:] for r in db.execute(
        "select pb, nPoints, peakFlux, peakTime, riseTime, declineTime, lengthScale, chi2Red, converged "
        "from lcGPFeats")}
    assert set(feats) == {"u", "g", "r", "i", "z"}
    for pb, n in (("u", 1), ("g", 2), ("i", 0), ("z", 0)):
        assert feats[pb][0] == n and all(v is None for v in feats[pb][1:])
    assert feats["r"][0] == 12 and feats["r"][1] is not None and feats["r"][5] is not None
    assert db.execute("select distinct pb from lcGP").fetchall() == [("r",)]
    assert db.execute("select count(*) from lcGP").fetchone()[0] == 30
    wide = db.execute("select gPeakFlux, rPeakFlux, iPeakFlux from gpFeatsWide").fetchone()
    assert wide[0] is None and wide[1] is not None and wide[2] is None


def test_changed_photometry_and_grid_size_are_recomputed(db, tmp_path):
    rng = np.random.default_rng(2)
    _load(db, tmp_path, _rows(rng, {"r": 10}))
    assert compute(db, n_grid=20, jobs=1).objects == 1
    assert compute(db, n_grid=20, jobs=1).objects == 0
    _load(db, tmp_path, _rows(rng, {"r": 14}))  # the file changed: same object, new photometry
    assert compute(db, n_grid=20, jobs=1).objects == 1
    assert db.execute("select nPoints from lcGPFeats where pb = 'r'").fetchone()[0] == 14
    assert compute(db, n_grid=25, jobs=1).objects == 1  # another grid size
    assert db.execute("select count(*) from lcGP").fetchone()[0] == 25


def test_gp_cli(tmp_path, capsys):
    conn = connect(tmp_path / "c.db")
    _load(conn, tmp_path, _rows(np.random.default_rng(3), {"g": 8, "r": 9}))
    conn.close()
    assert main(["gp", "--db", str(tmp_path / "c.db"), "--grid", "40", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 objects, 4 object-bands (2 fitted, 2 with < 3 points" in out
    assert main(["gp", "--db", str(tmp_path / "c.db"), "--dataset", "nope"]) == 1
    assert "no dataset 'nope'" in capsys.readouterr().err
    assert main(["gp", "--db", str(tmp_path / "missing.db")]) == 1


def test_worker_pool_shuts_down_cleanly_without_main_guard(tmp_path):
    """Workers are fresh interpreters: a script without a __main__ guard works, an open apsw
    connection is not inherited, and interpreter exit prints nothing (no Pool.__del__ noise)."""
    script = tmp_path / "noguard.py"
    script.write_text(textwrap.dedent(f"""
        import numpy as np, apsw
        from minibroker import gp
        conn = apsw.Connection({str(tmp_path / 'x.db')!r})
        conn.execute("create table t(x)")
        rng = np.random.default_rng(0)
        curves = [(np.sort(rng.uniform(0, 50, 20)), rng.normal(0, 1, 20), np.ones(20)) for _ in range(40)]
        a = gp.fit_predict_many(curves, n_grid=20, jobs=2)
        b = gp.fit_predict_many(curves, n_grid=20, jobs=1)
        assert all(np.allclose(x.mean, y.mean, rtol=1e-12, atol=0) for x, y in zip(a, b))
        print("ok")
    """))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"
    assert r.stderr == ""
