"""lcFeats computed inside SQLite equals the reference formulas applied to the files themselves."""

import numpy as np
import pytest

from minibroker.features.pipeline import compute
from minibroker.database import connect
from conftest import REAL_DIR, random_rows, write_lc
from minibroker.loader.load import list_files, load_files
from minibroker.loader.parse import object_name
from reference import read_lc, ref_lcfeats

FEATURE_COLUMNS = [f"{b}{k}" for k in ("Std", "Amp", "MAD", "Beyond", "Skew") for b in "griz"] + [
    "gMinusR", "rMinusI", "iMinusZ"]


def lcfeats(conn) -> dict[str, dict]:
    cur = conn.execute("select o.name, f.* from lcFeats f join objects o using (objId)")
    cols = [d[0] for d in cur.getdescription()]
    return {row[0]: dict(zip(cols[1:], row[1:])) for row in cur}


def assert_feats_equal(got: dict, ref: dict):
    for col in FEATURE_COLUMNS:
        if ref[col] is None:
            assert got[col] is None, col
        else:
            assert got[col] == pytest.approx(float(ref[col]), rel=1e-9, abs=1e-12), col


def loaded_random_files(db, d, prefix: str, count: int, rng, rows: int):
    """``count`` random light curves ``<prefix><i>.dat`` written to ``d`` and loaded (dataset ``d.name``)."""
    d.mkdir()
    for i in range(count):
        write_lc(d / f"{prefix}{i}.dat", random_rows(rng, rows))
    load_files(db, list_files(d), d.name, jobs=1)
    return d


def test_lcfeats_columns_are_the_exercise_names_in_order(db):
    cols = [r[1] for r in db.execute("pragma table_info(lcFeats)")]
    assert cols == ["objId"] + FEATURE_COLUMNS


def test_real_lcfeats_match_reference(real_db):
    conn = connect(real_db, readonly=True)
    feats = lcfeats(conn)
    assert len(feats) == 100
    for path in sorted(REAL_DIR.glob("*.dat")):
        assert_feats_equal(feats[object_name(path)], ref_lcfeats(read_lc(path)))


def test_generated_edge_cases(db, tmp_path):
    rng = np.random.default_rng(7)
    d = tmp_path / "gen"
    d.mkdir()
    write_lc(d / "normal.dat", random_rows(rng, 120))
    write_lc(d / "no_g.dat", random_rows(rng, 60, bands="riz"))           # empty band -> NULL features
    write_lc(d / "one_r.dat", random_rows(rng, 30, bands="giz") + [("56500.0", "r", "12.5", "1.0")])
    write_lc(d / "negative.dat", random_rows(rng, 80, bands="griz", mean=-60.0))  # w < 0 -> colours -999
    write_lc(d / "only_u.dat", random_rows(rng, 20, bands="u"))          # no griz at all
    report = load_files(db, list_files(d), "gen", jobs=1)
    assert report.loaded == 5 and report.rejected == 0
    assert compute(db).objects == 5
    feats = lcfeats(db)
    for path in list_files(d):
        assert_feats_equal(feats[object_name(path)], ref_lcfeats(read_lc(path)))
    assert feats["no_g"]["gStd"] is None and feats["no_g"]["gMinusR"] is None
    assert feats["no_g"]["rMinusI"] is not None
    assert feats["one_r"]["rStd"] is None and feats["one_r"]["rBeyond"] is None
    assert feats["one_r"]["rAmp"] == 0.0 and feats["one_r"]["rSkew"] is None
    assert feats["negative"]["gAmp"] < 0
    assert -999.0 in (feats["negative"]["gMinusR"], feats["negative"]["rMinusI"])
    assert all(feats["only_u"][c] is None for c in FEATURE_COLUMNS)


def test_features_are_incremental(db, tmp_path):
    rng = np.random.default_rng(3)
    d = loaded_random_files(db, tmp_path / "inc", "obj", 4, rng, 50)
    assert compute(db).objects == 4
    assert compute(db).objects == 0                   # nothing changed: nothing recomputed
    write_lc(d / "obj2.dat", random_rows(rng, 70))    # one file changes
    write_lc(d / "obj9.dat", random_rows(rng, 40))    # one file is new
    load_files(db, list_files(d), "inc", jobs=1)
    assert compute(db).objects == 2
    feats = lcfeats(db)
    assert_feats_equal(feats["obj2"], ref_lcfeats(read_lc(d / "obj2.dat")))


def test_analyst_functions_match_reference(real_db):
    from minibroker.analyst.sql import open_readonly

    conn = open_readonly(real_db)
    rows = conn.execute(
        "select o.name, weighted_mean(flux, dflux), stdev(flux), mad(flux), skew(flux), "
        "norm_std(flux, dflux), norm_amplitude(flux, dflux), norm_mad(flux, dflux), beyond1std(flux, dflux) "
        "from rawPhot p join objects o using (objId) where pb = 'r' group by o.name").fetchall()
    assert len(rows) == 100
    from reference import ref_band
    for name, w, sd, md, sk, nstd, namp, nmad, beyond in rows:
        df = read_lc(REAL_DIR / f"{name}.dat")
        f = df[df.pb == "r"].flux.to_numpy(float)
        e = df[df.pb == "r"].dflux.to_numpy(float)
        ref = ref_band(f, e)
        assert w == pytest.approx(ref["w"], rel=1e-9)
        assert sd == pytest.approx(np.std(f, ddof=1), rel=1e-9)
        assert md == pytest.approx(np.median(np.abs(f - np.median(f))), rel=1e-9)
        assert sk == pytest.approx(ref["Skew"], rel=1e-9)
        assert (nstd, namp, nmad, beyond) == pytest.approx(
            (ref["Std"], ref["Amp"], ref["MAD"], ref["Beyond"]), rel=1e-9)


def test_colour_of_means_300_decades_apart(db, tmp_path):
    """The ratio of the weighted means underflows (or overflows): the colour still comes out, from
    the logs, the same in SQL as in udf.stats.colour (the exercise's formula would give inf)."""
    import math

    from minibroker.udf.stats import colour

    d = tmp_path / "far"
    d.mkdir()
    rows = [(f"{56000 + i}.0", b, f"{s * (1 + 0.01 * i)!r}", f"{s * 0.1!r}")
            for i in range(12) for b, s in (("g", 1e-150), ("r", 1e200), ("i", 1e-160), ("z", 1.0))]
    write_lc(d / "far.dat", rows)
    load_files(db, list_files(d), "far", jobs=1)
    compute(db)
    g, r, i, z = db.execute(
        "select " + ", ".join(f"(select wMean from lcBandStats where pb = '{b}')" for b in "griz")).fetchone()
    feats = lcfeats(db)["far"]
    assert g / r == 0.0 and r / i == math.inf                 # both ratios out of range
    assert feats["gMinusR"] == colour(g, r) == pytest.approx(-2.5 * (math.log10(g) - math.log10(r)), rel=1e-12)
    assert 870 < feats["gMinusR"] < 880
    assert feats["rMinusI"] == colour(r, i) == pytest.approx(-2.5 * (math.log10(r) - math.log10(i)), rel=1e-12)
    assert feats["iMinusZ"] == colour(i, z) == pytest.approx(-2.5 * math.log10(i / z), rel=1e-12)


def _table(conn, name):
    return sorted(conn.execute(f"select * from {name}").fetchall())


def test_worker_processes_give_the_same_rows_as_one_process(db, tmp_path):
    """Enough chunks for the parallel path (workers + this process): lcFeats and lcBandStats are
    identical, value for value, to the one-process run, and match the reference."""
    rng = np.random.default_rng(11)
    d = tmp_path / "par"
    d.mkdir()
    for i in range(40):
        bands = ["ugriz", "riz", "griz", "u"][i % 4]
        write_lc(d / f"p{i:02d}.dat", random_rows(rng, int(rng.integers(1, 90)), bands=bands))
    load_files(db, list_files(d), "par", jobs=1)
    assert compute(db, chunk=6, jobs=0).objects == 40
    one = _table(db, "lcFeats"), _table(db, "lcBandStats")
    for jobs in (2, 3):                                      # 1 and 2 workers, 7 chunks
        db.execute("delete from lcFeats; delete from lcBandStats")
        assert compute(db, chunk=6, jobs=jobs).objects == 40
        assert (_table(db, "lcFeats"), _table(db, "lcBandStats")) == one
    feats = lcfeats(db)
    for path in list_files(d):
        assert_feats_equal(feats[object_name(path)], ref_lcfeats(read_lc(path)))


def test_a_load_between_computing_and_storing_leaves_the_object_to_the_next_run(db, tmp_path):
    """Workers compute from a snapshot; if a load replaces an object's photometry before the chunk
    is stored, that object is not stored (stale) and the next run computes it from the new file."""
    from minibroker.core.db import immediate
    from minibroker.features.pipeline import compute_chunk, pending, store_chunk

    rng = np.random.default_rng(5)
    d = loaded_random_files(db, tmp_path / "race", "r", 3, rng, 60)
    rows = compute_chunk(db, pending(db))                   # as a worker would, before the load
    write_lc(d / "r1.dat", random_rows(rng, 45, mean=500.0))
    assert load_files(db, list_files(d), "race", jobs=1).loaded == 1
    with immediate(db):
        store_chunk(db, rows)
    feats = lcfeats(db)
    assert sorted(feats) == ["r0", "r2"]
    assert compute(db).objects == 1
    assert_feats_equal(lcfeats(db)["r1"], ref_lcfeats(read_lc(d / "r1.dat")))
