"""GP fits not to trust are flagged in lcGPFeats (migration 005's computed columns) and counted in the
report's GP summary."""

import numpy as np
import pytest

from minibroker.database import connect
from minibroker.gp.likelihood import AMPLITUDE_BOUNDS, LENGTH_SCALE_BOUNDS


@pytest.fixture(scope="module")
def gp_report(real_db, tmp_path_factory):
    """The real 100 with make gp's fits, and the report built from them: (connection, index.html)."""
    from minibroker.gp.store import compute
    from minibroker.report.page import build

    tmp = tmp_path_factory.mktemp("gpflags")
    path = tmp / "gp.db"
    path.write_bytes(real_db.read_bytes())
    conn = connect(path)
    compute(conn, jobs=1)
    build(conn, tmp / "out")
    return conn, (tmp / "out" / "index.html").read_text()


def test_flags_follow_the_fit_bounds_and_chi2(gp_report):
    conn, _ = gp_report
    rows = conn.execute("select lengthScale, amplitude, chi2Red, atBound, badFit from lcGPFeats").fetchall()
    assert rows, "make gp stored nothing"
    fitted = [r for r in rows if r[0] is not None]
    assert fitted
    for ls, amp, chi2, at_bound, bad in fitted:
        on_bound = (np.isclose(ls, LENGTH_SCALE_BOUNDS, rtol=1e-6).any()
                    or np.isclose(amp, AMPLITUDE_BOUNDS, rtol=1e-6).any())
        assert at_bound == int(on_bound)
        assert bad == int(chi2 > 5)
    assert any(r[3] == 1 for r in fitted) and any(r[3] == 0 for r in fitted)
    for r in rows:
        if r[0] is None:
            assert r[3] is None


def test_the_report_counts_them(gp_report):
    conn, html = gp_report
    assert "at a bound" in html and "reduced chi2 &gt; 5" in html
    (n,) = conn.execute("select sum(atBound) from lcGPFeats where pb = 'g'").fetchone()
    assert n > 0


def _summary_counts(line):
    import re

    m = re.search(r"(\d+) not converged, (\d+) not to trust: (\d+) at a bound, (\d+) reduced chi2 > 5", line)
    assert m, line
    return tuple(int(x) for x in m.groups())


def test_make_gp_summary_counts_the_flags(real_db, tmp_path, capsys):
    """The summary line of make gp counts what lcGPFeats flags, on real and simulated data."""
    from minibroker.app.cli import main
    from minibroker.loader.load import list_files, load_files
    from minibroker.sim import simulate

    path = tmp_path / "gp.db"
    path.write_bytes(real_db.read_bytes())
    simulate(15, tmp_path / "sim", seed=9, mix="SNIa=1,AGN=1,RRLyrae=1,constant=1", jobs=1)
    assert load_files(connect(path), list_files(tmp_path / "sim"), "sim", jobs=0, progress=False).failed == 0
    sql = ("select sum(converged = 0), sum(atBound = 1 or badFit = 1), sum(atBound = 1), sum(badFit = 1) "
           "from lcGPFeats join objects using (objId) where dataset = ?")
    for dataset in ("train", "sim"):
        assert main(["gp", "--db", str(path), "--dataset", dataset, "--jobs", "1", "--grid", "50"]) == 0
        printed = _summary_counts(capsys.readouterr().out)
        want = tuple(int(v or 0) for v in connect(path).execute(sql, (dataset,)).fetchone())
        assert printed == want
        assert want[1] > 0   # flagged fits exist: the line is not a constant zero
    # nothing left to fit: the next run counts nothing, not the stored flags again
    assert main(["gp", "--db", str(path), "--jobs", "1", "--grid", "50"]) == 0
    assert _summary_counts(capsys.readouterr().out) == (0, 0, 0, 0)


def test_the_report_names_the_fits_not_to_trust(gp_report):
    conn, html = gp_report
    worst, = conn.execute("select o.name from lcGPFeats join objects o using (objId) "
                          "where atBound = 1 or badFit = 1 order by chi2Red desc limit 1").fetchone()
    n, = conn.execute("select count(*) from lcGPFeats where atBound = 1 or badFit = 1").fetchone()
    gp_section = html[html.index('id="gp"'):]
    assert "not to trust" in gp_section and f">{worst}<" in gp_section and "dashed" in gp_section
    from minibroker.report.data import rows

    cols, per_band = rows(conn, "queries/report/gp_summary.sql", {"dataset": None})
    assert sum(r[cols.index("notToTrust")] for r in per_band) == n > 0
    for r in per_band:
        assert f"<td>{r[0]}</td>" in gp_section or f'<td class="text">{r[0]}</td>' in gp_section
