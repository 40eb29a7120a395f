"""Pictures an astronomer can read: the GP drawn only where data constrain it, flagged fits dashed,
magnitudes with the object's zero point, zoom to the event, phase folding, flux units on the axes.
Assertions are on the arrays handed to matplotlib (and the lines it holds), not on pixels."""

import shutil

import numpy as np
import pytest

from minibroker.app.cli import main
from minibroker.core.errors import UserError
from minibroker.core.units import ZP_FILES, ZP_NJY
from minibroker.database import connect
from minibroker.gp.trust import REACH, at_bound, bad_fit, constrained
from minibroker.report.data import find_object, light_curve
from minibroker.report.plot import Options, dashed_note, draw, event_window, figure, phase, prepare
from minibroker.report.style import plt

SEASON_GAP = 100.0   # days without observations in a band that make a season gap


@pytest.fixture(scope="module")
def gp_db(real_db, tmp_path_factory):
    """The real 100 with make gp run over every object."""
    from minibroker.gp.store import compute

    path = tmp_path_factory.mktemp("plotopts") / "gp.db"
    shutil.copy(real_db, path)
    conn = connect(path)
    compute(conn, jobs=1)
    conn.close()
    return path


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    """Simulated multi-year light curves (season gaps), loaded, featurised and GP-fitted."""
    from minibroker.features.pipeline import compute as features
    from minibroker.gp.store import compute as gp
    from minibroker.loader.load import list_files, load_files
    from minibroker.sim import simulate

    root = tmp_path_factory.mktemp("plotsim")
    simulate(12, root / "lc", seed=5, mix="SNIa=1,AGN=1,RRLyrae=1", jobs=1)
    conn = connect(root / "sim.db")
    assert load_files(conn, list_files(root / "lc"), "sim", jobs=0, progress=False).failed == 0
    features(conn)
    gp(conn, jobs=1)
    conn.close()
    return root / "sim.db"


def curve(path, name, gp=True):
    conn = connect(path)
    return light_curve(conn, *find_object(conn, name, None), gp=gp)


def season_gaps(t):
    t = np.sort(t)
    i = np.nonzero(np.diff(t) > SEASON_GAP)[0]
    return list(zip(t[i], t[i + 1]))


def check_masking(lc):
    """Every band's GP is NaN exactly where no observation of the band lies within REACH length
    scales, in particular across every season gap, and matplotlib got those NaNs."""
    p = prepare(lc, Options())
    fig, ax = plt.subplots()
    try:
        draw(ax, lc)
        lines = {ln.get_gid(): ln for ln in ax.get_lines()}
        gaps_seen = 0
        for pb, b in p.bands.items():
            c = lc.bands[pb]
            nearest = np.min(np.abs(b.gp_x[:, None] - c.t[None, :]), axis=1)
            far = nearest > REACH * c.gp_length_scale
            assert np.isnan(b.gp_y[far]).all() and np.isfinite(b.gp_y[~far]).all()
            assert np.isnan(b.gp_lo[far]).all() and np.isnan(b.gp_hi[far]).all()
            for a, z in season_gaps(c.t):
                inside = (b.gp_x > a + REACH * c.gp_length_scale) & (b.gp_x < z - REACH * c.gp_length_scale)
                assert inside.any(), "the grid has points inside the gap"
                assert np.isnan(b.gp_y[inside]).all()
                gaps_seen += 1
            drawn = np.asarray(lines[f"gp-{pb}"].get_ydata(), dtype=float)
            np.testing.assert_array_equal(np.isnan(drawn), np.isnan(b.gp_y))
        return gaps_seen
    finally:
        plt.close(fig)


def test_gp_is_blank_across_season_gaps_on_real_data(gp_db):
    gaps = sum(check_masking(curve(gp_db, name)) for name in ("FAKE030", "FAKE061", "FAKE090"))
    assert gaps >= 8   # FAKE030 and FAKE061 have a 604-day gap in each band; FAKE090 one season


def test_gp_is_blank_across_season_gaps_on_simulated_data(sim_db):
    conn = connect(sim_db)
    names = [r[0] for r in conn.execute("select name from objects order by name")]
    assert sum(check_masking(curve(sim_db, n)) for n in names) >= len(names)


def test_constrained_against_a_naive_loop():
    rng = np.random.default_rng(3)
    t = np.sort(np.concatenate([rng.uniform(0, 100, 30), rng.uniform(300, 400, 30)]))
    grid = np.linspace(-50, 450, 777)
    for ls in (1.0, 7.5, 20.0):
        want = np.array([min(abs(g - x) for x in t) <= REACH * ls for g in grid])
        np.testing.assert_array_equal(constrained(grid, t, ls), want)
    assert not constrained(grid, t, None).any() and not constrained(grid, [], 5.0).any()


def test_python_flags_agree_with_the_database(gp_db):
    conn = connect(gp_db)
    rows = conn.execute("select amplitude, lengthScale, chi2Red, atBound, badFit from lcGPFeats").fetchall()
    assert len(rows) == 476
    for amp, ls, chi2, at, bad in rows:
        assert at_bound(amp, ls) == bool(at) and bad_fit(chi2) == bool(bad)


def test_flagged_fits_are_dashed_with_a_note(gp_db):
    conn = connect(gp_db)
    flagged = dict(conn.execute(
        "select pb, (atBound = 1 or badFit = 1) from lcGPFeats join objects using (objId) where name = 'FAKE010'"))
    assert set(flagged.values()) == {1}   # the exercise's model ends on its length-scale bound here
    good = conn.execute("select o.name, g.pb from lcGPFeats g join objects o using (objId) "
                        "where g.atBound = 0 and g.badFit = 0 and g.converged = 1 order by o.name limit 1").fetchone()
    assert good, "some fit is to be trusted"
    for name in ("FAKE010", good[0]):
        lc = curve(gp_db, name)
        fig, p = figure(lc)
        ax = fig.axes[0]
        try:
            want = dict(conn.execute("select pb, (atBound = 1 or badFit = 1 or converged = 0) from lcGPFeats "
                                     "join objects using (objId) where name = ?", (name,)))
            for pb, b in p.bands.items():
                style = {ln.get_gid(): ln.get_linestyle() for ln in ax.get_lines()}[f"gp-{pb}"]
                assert b.dashed == bool(want[pb]) and style == ("--" if want[pb] else "-")
            notes = " ".join(t.get_text() for t in fig.texts)
            assert ("dashed GP, fit not to trust" in notes) == any(want.values())
            assert (dashed_note(p) is not None) == any(want.values())
            for pb, bad in want.items():
                assert (f"{pb}: at a bound" in notes or f"{pb}: reduced chi2" in notes
                        or f"{pb}: not converged" in notes) == bool(bad)
        finally:
            plt.close(fig)


def test_magnitudes_use_the_file_zero_point_and_limits(gp_db, sim_db):
    sim_name, = connect(sim_db).execute("select min(name) from objects").fetchone()
    for path, name in ((gp_db, "FAKE010"), (gp_db, "FAKE061"), (sim_db, sim_name)):
        lc = curve(path, name, gp=False)
        assert lc.unit.zero_point == ZP_FILES
        p = prepare(lc, Options(mag=True))
        assert "zero point 27.5" in p.ylabel
        for pb, b in p.bands.items():
            c = lc.bands[pb]
            det = (c.flux > 0) & (c.flux >= 3 * c.dflux)
            np.testing.assert_allclose(b.y, -2.5 * np.log10(c.flux[det]) + 27.5, rtol=1e-12)
            np.testing.assert_allclose(b.yerr, 2.5 / np.log(10) * c.dflux[det] / c.flux[det], rtol=1e-12)
            np.testing.assert_allclose(b.limit_y, -2.5 * np.log10(np.maximum(c.flux[~det], 0) + 3 * c.dflux[~det])
                                       + 27.5, rtol=1e-12)
            assert len(b.y) + len(b.limit_y) == len(c.t)
    pos = lc.unit.magnitude(np.array([1.0, 10.0, 1e4, -5.0, 0.0]))
    np.testing.assert_allclose(pos[:3], [27.5, 25.0, 17.5]) and np.isnan(pos[3:]).all()


def test_alert_objects_are_in_njy(tmp_path):
    from stream_helpers import simulated

    alerts = simulated(tmp_path / "alerts", n=3, nights=40)
    db = tmp_path / "a.db"
    assert main(["stream", "--db", str(db), "--dataset", "alerts", str(alerts)]) == 0
    conn = connect(db)
    name, = conn.execute("select name from objects join diaObjects using (objId) limit 1").fetchone()
    lc = curve(db, name, gp=False)
    assert lc.unit.zero_point == ZP_NJY == 31.4
    p = prepare(lc, Options(mag=True))
    assert "zero point 31.4" in p.ylabel and prepare(lc).ylabel == "flux (nJy)"
    for pb, b in p.bands.items():
        f = lc.bands[pb].flux
        f = f[(f > 0) & (f >= 3 * lc.bands[pb].dflux)]
        np.testing.assert_allclose(b.y, 31.4 - 2.5 * np.log10(f), rtol=1e-12)


def test_flux_units_on_the_axis(gp_db):
    fig, ax = plt.subplots()
    try:
        draw(ax, curve(gp_db, "FAKE010", gp=False))
        assert ax.get_ylabel() == "flux (AB zero point 27.5)" and ax.get_xlabel() == "MJD"
    finally:
        plt.close(fig)


def test_fold_phases(gp_db):
    conn = connect(gp_db)
    period, = conn.execute("select period from lcPeriodFeats join objects using (objId) where name = 'FAKE030'").fetchone()
    lc = curve(gp_db, "FAKE030")
    assert lc.period == pytest.approx(period)
    for opt, want in ((Options(fold=True), period), (Options(fold=True, period=0.7371), 0.7371)):
        p = prepare(lc, opt)
        assert p.period == want and p.xlim == (0.0, 1.0) and "phase" in p.xlabel
        for pb, b in p.bands.items():
            t = lc.bands[pb].t
            assert ((b.x >= 0) & (b.x < 1)).all()
            np.testing.assert_allclose(b.x, np.mod(t, want) / want, rtol=0, atol=1e-12)
            assert b.gp_x is None   # no GP on a folded curve
    assert (phase(np.array([0.0, 2.0, 3.0, -1.0]), 2.0) == [0.0, 0.0, 0.5, 0.5]).all()


def test_zoom_to_the_event(gp_db, sim_db):
    lc = curve(gp_db, "FAKE010", gp=False)   # a supernova: one season
    t = np.concatenate([c.t for c in lc.bands.values()])
    f = np.concatenate([c.flux for c in lc.bands.values()])
    e = np.concatenate([c.dflux for c in lc.bands.values()])
    lo, hi = event_window(t, f, e)
    peak = t[np.argmax(f / e)]
    assert lo < peak < hi
    det = t[f / e >= 5]
    assert lo <= det.min() - 20 and hi >= det.max() + 20
    p = prepare(lc, Options(zoom=True))
    assert p.xlim == (lo, hi)
    assert all(((b.x >= lo) & (b.x <= hi)).all() for b in p.bands.values())
    p = prepare(lc, Options(tmin=56230, tmax=56260))
    assert p.xlim == (56230, 56260)
    assert sum(b.n for b in p.bands.values()) == int(((t >= 56230) & (t <= 56260)).sum())
    # a simulated supernova years long: the window is its event, far shorter than the baseline
    conn = connect(sim_db)
    name, = conn.execute("select o.name from objects o join lcLabels l using (objId) where l.label = 0 "
                         "order by o.name limit 1").fetchone()
    lc = curve(sim_db, name, gp=False)
    t = np.concatenate([c.t for c in lc.bands.values()])
    lo, hi = prepare(lc, Options(zoom=True)).xlim
    assert hi - lo < 0.5 * (t.max() - t.min())


def test_option_errors_are_one_line(gp_db, tmp_path, capsys):
    db = str(gp_db)
    cases = [(["--fold", "--zoom"], "--fold and --zoom together"),
             (["--tmin", "56300", "--tmax", "56200"], "is not before --tmax"),
             (["--period", "-2"], "is not a positive number"),
             (["--tmin", "70000"], "no observations between")]
    for extra, msg in cases:
        assert main(["plot", "--db", db, "--obj", "FAKE010", "--out", str(tmp_path / "x.png"), *extra]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and msg in err
    with pytest.raises(UserError, match="no period for ODD"):
        from minibroker.report.data import LightCurve, Curve

        lc = LightCurve(1, "d", "ODD", None, bands={"r": Curve(np.arange(5.0), np.ones(5), np.ones(5))})
        prepare(lc, Options(fold=True))


def test_cli_writes_every_kind(gp_db, tmp_path, capsys):
    db = str(gp_db)
    for extra in (["--gp", "--mag"], ["--gp", "--zoom"], ["--fold"], ["--period", "0.5", "--mag"],
                  ["--gp", "--tmin", "56400", "--tmax", "56600"]):
        out = tmp_path / "p.png"
        assert main(["plot", "--db", db, "--obj", "FAKE030", "--out", str(out), *extra]) == 0
        assert out.stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "folded on 0.5 d" in printed and "AB magnitude (zero point 27.5)" in printed


def test_a_gp_fitted_for_the_plot_is_flagged_and_masked_as_make_gp_would(real_db, gp_db):
    """Without lcGP the plot fits on the fly: the same flags (Python's, gp/trust.py) and length
    scales as make gp stores for the object, so the same bands are dashed and the same gaps blank."""
    conn = connect(gp_db)
    for name in ("FAKE010", "FAKE082"):
        fresh = curve(real_db, name)
        assert fresh.gp_source == "computed"
        stored = dict(conn.execute("select pb, (atBound = 1 or badFit = 1 or converged = 0) from lcGPFeats "
                                   "join objects using (objId) where name = ?", (name,)))
        scales = dict(conn.execute("select pb, lengthScale from lcGPFeats join objects using (objId) "
                                   "where name = ?", (name,)))
        p = prepare(fresh)
        for pb, b in p.bands.items():
            assert b.dashed == bool(stored[pb])
            assert fresh.bands[pb].gp_length_scale == pytest.approx(scales[pb], rel=1e-3)
        check_masking(fresh)
