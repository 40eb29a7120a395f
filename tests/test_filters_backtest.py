"""Backtesting: each night sees only the measurements up to that night, features and classes
included; the report, table and plot."""

import subprocess
import sys

import numpy as np
import pytest

from minibroker.database import connect
from minibroker.filters.backtest import backtest, plot, table
from tests.filters_fixtures import build_sim_db, write_filter
from minibroker.udf.batch import band_features_batch

PROBE = """-- stream: true
-- correct: 0,1
-- what the replay holds of each touched object: points, latest time, features, class
with pts as (
    select r.objId, count(*) as nAll, max(r.t) as tMax
    from rawPhot as r join batchObjects as b on b.objId = r.objId
    group by r.objId
)
select p.objId, p.nAll, p.tMax, f.rStd, f.rAmp, s.n as rN, lp.label as predLabel, lp.scores
from pts as p
left join lcFeats as f on f.objId = p.objId
left join lcBandStats as s on s.objId = p.objId and s.pb = 'r'
left join latestPredictions as lp on lp.objId = p.objId
"""


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    return build_sim_db(tmp_path_factory.mktemp("bt_sim"), n=36)


def source_rows(path):
    conn = connect(path, readonly=True)
    rows = conn.execute("select objId, t, pb, flux, dflux from rawPhot order by objId, pb, t, id").fetchall()
    conn.close()
    return rows


def test_no_later_measurement_leaks_into_an_earlier_night(sim_db, tmp_path):
    d = tmp_path / "f"
    write_filter(d, "probe", PROBE)
    rows = source_rows(sim_db)
    t_all = np.array([r[1] for r in rows])
    start = float(np.floor(np.quantile(t_all, 0.4)))
    result = backtest(sim_db, "probe", start=start, end=start + 40, filters_dir=d, progress=False,
                      keep_matches=True)
    assert result.nights and not result.failures
    by_obj = {}
    for obj, t, pb, f, e in rows:
        by_obj.setdefault(obj, []).append((t, pb, f, e))
    checked = 0
    for night, obj, payload in result.every:   # each object matches every night it is measured
        mine = [x for x in by_obj[obj] if x[0] < night + 1]
        assert payload["nAll"] == len(mine), (night, obj)
        assert night <= payload["tMax"] < night + 1          # measured that night, nothing after it
        r = [x for x in mine if x[1] == "r"]
        if len(r) >= 2:
            f = np.array([x[2] for x in r])
            e = np.array([x[3] for x in r])
            ref = band_features_batch(np.array([len(r)]), f, e)
            assert payload["rN"] == len(r)
            if np.isfinite(ref["std"][0]):
                assert payload["rStd"] == pytest.approx(float(ref["std"][0]), rel=1e-9)
        assert payload["predLabel"] is not None        # classified again from that night's features
        checked += 1
    assert checked > 20
    assert sorted({n for n, _, _ in result.every}) == [n for n in result.nights if result.per_night.get(n)]
    # the classes change as data arrive: the replay does not reuse today's predictions
    final = dict(connect(sim_db, readonly=True).execute("select objId, label from latestPredictions"))
    assert any(p["predLabel"] != final[o] for _, o, p in result.every)


def test_report_precision_lag_table_and_plot(sim_db, tmp_path):
    result = backtest(sim_db, "large_amplitude", progress=False)
    assert result.first and result.matches >= len(result.first)
    right, labelled = result.precision()
    assert labelled == len(result.first) and 0 < right <= labelled
    text = table(result)
    assert "precision against labels [2, 3, 4]" in text and "first match" in text
    for m in result.first.values():
        assert m["night"] in result.nights
        assert m["lag"] is None or m["lag"] >= 0
    png = plot(result, tmp_path / "bt.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_backtest_command(sim_db, tmp_path):
    png = tmp_path / "p.png"
    r = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "backtest", "--db", str(sim_db), "--filter",
                        "young_rising", "--dataset", "sim", "--plot", str(png)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("backtest young_rising:") and png.is_file()
    bad = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "backtest", "--db", str(sim_db), "--filter",
                          "young_rising", "--from", "5", "--to", "1"], capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "before --from" in bad.stderr


def test_backtest_refuses_an_unknown_dataset_and_filter(sim_db):
    for extra, words in ((["--filter", "young_rising", "--dataset", "nope"], "no dataset 'nope'"),
                         (["--filter", "nope"], "no filter 'nope'")):
        r = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "backtest", "--db", str(sim_db), *extra],
                           capture_output=True, text=True)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
