"""Period and shape features (udf/period.py, lcPeriodFeats): each checked against a naive numpy
reference (tests/reference.py) on real and generated light curves, and stored by make features."""

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minibroker.features.pipeline import compute
from minibroker.core.sqlfiles import render
from conftest import REAL_DIR
from reference import BANDS, read_lc, ref_lomb_scargle, ref_shape
from minibroker.udf import period

OMEGA = period.FREQS[1:]   # the naive reference skips angular frequency 0 (LS is undefined there)


def check_periodogram(t, y, got_period, got_power):
    """The period found is the naive periodogram's highest peak on the grid (its power equals the
    maximum) and the stored power is the naive power at
    that period."""
    p = ref_lomb_scargle(t, y, OMEGA)
    at = ref_lomb_scargle(t, y, np.array([2 * np.pi / got_period]))[0]
    assert at >= (1 - 1e-9) * p.max()
    assert got_power == pytest.approx(at, rel=1e-9)
    assert 0 <= got_power <= 1


def test_column_lists_agree():
    text = render("features/insert_chunk_period.sql.j2")
    assert text.count("?") == 1 + len(period.COLUMNS)
    for c in period.COLUMNS:
        assert c in text


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), true_period=st.floats(0.25, 50), n=st.integers(20, 80))
def test_a_clear_period_is_found_on_random_sinusoids(seed, true_period, n):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(56000, 56700, n))
    y = 10 * np.sin(2 * np.pi * t / true_period) + rng.normal(0, 1, n)
    got, power = period.best_period(t, y)
    check_periodogram(t, y, got, power)
    p = ref_lomb_scargle(t, y, OMEGA)
    naive = 2 * np.pi / OMEGA[np.argmax(p)]
    assert got == pytest.approx(naive, rel=1e-3)


def test_degenerate_input_gives_nan():
    t = np.arange(4.0)
    assert np.isnan(period.best_period(t, np.ones(4))).all()          # too few points
    assert np.isnan(period.best_period(np.arange(8.0), np.ones(8))).all()  # constant
    assert np.isnan(period.best_period(np.zeros(8), np.arange(8.0))).all()  # one time
    out = period.period_features({})
    assert [out[f"{b}NObs"] for b in BANDS] == [0, 0, 0, 0]
    assert all(np.isnan(out[c]) for c in period.COLUMNS if not c.endswith("NObs"))


@pytest.fixture(scope="module")
def stored(real_db):
    con = sqlite3.connect(real_db)
    cur = con.execute("select o.name, p.* from lcPeriodFeats as p join objects as o using (objId) order by o.name")
    cols = [d[0] for d in cur.description]
    rows = {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}
    con.close()
    return rows


def test_every_real_object_has_period_features(stored):
    assert len(stored) == 100


@pytest.mark.parametrize("name", ["FAKE001", "FAKE010", "FAKE025", "FAKE040", "FAKE061", "FAKE090"])
def test_real_periods_against_the_naive_periodogram(stored, name):
    df = read_lc(REAL_DIR / f"{name}.dat")
    row = stored[name]
    pooled_t, pooled_y = [], []
    for b in BANDS:
        d = df[df["pb"] == b]
        t, f, e = (d[c].to_numpy(float) for c in ("t", "flux", "dflux"))
        if row[f"{b}Period"] is None:
            assert len(t) < period.MIN_POINTS
        else:
            check_periodogram(t, f, row[f"{b}Period"], row[f"{b}PeriodPower"])
        w = np.sum(f * (f / e) ** 2) / np.sum((f / e) ** 2)
        pooled_t.append(t)
        pooled_y.append((f - w) / f.std(ddof=1))
    check_periodogram(np.concatenate(pooled_t), np.concatenate(pooled_y), row["period"], row["periodPower"])


def test_real_shape_features_against_the_reference(stored):
    for path in sorted(REAL_DIR.glob("*.dat")):
        ref = ref_shape(read_lc(path))
        row = stored[path.stem]
        for k, v in ref.items():
            if v is None:
                assert row[k] is None, (path.stem, k)
            else:
                assert row[k] == pytest.approx(v, rel=1e-12, abs=1e-12), (path.stem, k)


def test_incremental_and_cleared_with_the_photometry(db, tmp_path):
    """A reloaded file clears its object's period features (the loader), the next run redoes them."""
    from conftest import random_rows, write_lc
    from minibroker.loader.load import list_files, load_files

    rng = np.random.default_rng(3)
    d = tmp_path / "lc"
    d.mkdir()
    for i in range(3):
        write_lc(d / f"A{i}.dat", random_rows(rng, 40))
    load_files(db, list_files(d), "s", jobs=0)
    assert compute(db, jobs=1).objects == 3
    assert db.execute("select count(*) from lcPeriodFeats").fetchone()[0] == 3
    assert compute(db, jobs=1).objects == 0                       # nothing to do
    before = db.execute("select gPeriod from lcPeriodFeats order by objId").fetchall()
    write_lc(d / "A1.dat", random_rows(rng, 30))                 # a changed file
    load_files(db, list_files(d), "s", jobs=0)
    assert db.execute("select count(*) from lcPeriodFeats").fetchone()[0] == 2
    assert compute(db, jobs=1).objects == 1
    after = db.execute("select gPeriod from lcPeriodFeats order by objId").fetchall()
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]
    with db:                                                      # a database from before 005's features
        db.execute("delete from lcPeriodFeats where objId = (select min(objId) from objects)")
    assert compute(db, jobs=1).objects == 1
    assert db.execute("select count(*) from lcPeriodFeats").fetchone()[0] == 3
