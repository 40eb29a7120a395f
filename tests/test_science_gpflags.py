"""GP fits not to trust are flagged in lcGPFeats (migration 005's computed columns) and counted in the
report's GP summary."""

import numpy as np

from minibroker.database import connect
from minibroker.gp.likelihood import AMPLITUDE_BOUNDS, LENGTH_SCALE_BOUNDS


def test_flags_follow_the_fit_bounds_and_chi2(real_db, tmp_path):
    path = tmp_path / "gp.db"
    path.write_bytes(real_db.read_bytes())
    conn = connect(path)
    from minibroker.gp.store import compute

    compute(conn, jobs=1)
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


def test_the_report_counts_them(real_db, tmp_path):
    from minibroker.gp.store import compute
    from minibroker.report.page import build

    path = tmp_path / "gp.db"
    path.write_bytes(real_db.read_bytes())
    conn = connect(path)
    compute(conn, jobs=1)
    build(conn, tmp_path / "out")
    html = (tmp_path / "out" / "index.html").read_text()
    assert "at a bound" in html and "reduced chi2 &gt; 5" in html
    (n,) = conn.execute("select sum(atBound) from lcGPFeats where pb = 'g'").fetchone()
    assert n > 0
