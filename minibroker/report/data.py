"""What the figures read from the database (every statement is in ``sql/queries/report``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import apsw
import numpy as np

from minibroker.core.errors import UserError
from minibroker.core.units import FluxUnit, flux_unit
from minibroker.core.sqlfiles import render


@dataclass
class Curve:
    """One band: observations, and the GP grid when there is one."""

    t: np.ndarray
    flux: np.ndarray
    dflux: np.ndarray
    gp_t: np.ndarray | None = None
    gp_flux: np.ndarray | None = None
    gp_err: np.ndarray | None = None
    gp_length_scale: float | None = None   # days: how far from an observation the GP is drawn
    gp_flags: list[str] = field(default_factory=list)   # why the fit is not to be trusted ([] = fine)


@dataclass
class LightCurve:
    obj_id: int
    dataset: str
    name: str
    label: int | None
    predicted: int | None = None
    model: str | None = None
    bands: dict[str, Curve] = field(default_factory=dict)
    gp_source: str | None = None  # 'lcGP', 'computed' or None
    class_names: dict[int, str] = field(default_factory=dict)   # classNames (loader.classnames)
    unit: FluxUnit = field(default_factory=lambda: flux_unit(False))   # nJy for alert objects
    period: float | None = None   # days, from lcPeriodFeats (make features)


def has_table(conn: apsw.Connection, name: str) -> bool:
    return bool(conn.execute(render("queries/report/has_table.sql"), {"name": name}).fetchone()[0])


def rows(conn: apsw.Connection, query: str, params: dict | None = None) -> tuple[list[str], list[tuple]]:
    """Column names and rows of the SQL file ``query`` (e.g. ``queries/report/features.sql``)."""
    cur = conn.execute(render(query), params or {})
    try:
        cols = [d[0] for d in cur.getdescription()]
    except apsw.ExecutionCompleteError:  # no rows at all
        return [], []
    return cols, cur.fetchall()


def find_object(conn: apsw.Connection, name: str, dataset: str | None, db: str = "the database") -> tuple:
    """``(objId, dataset, name, label)`` of the object called ``name``; UserError if none or ambiguous."""
    found = conn.execute(render("queries/report/find_object.sql"), {"name": name, "dataset": dataset}).fetchall()
    if not found:
        where = f"dataset {dataset!r} of {db}" if dataset else db
        raise UserError(f"no object named {name!r} in {where}: check OBJ= (make sql Q=\"select name from objects\")")
    if len(found) > 1:
        names = ", ".join(r[1] for r in found)
        raise UserError(f"{name!r} exists in several datasets ({names}): choose one with DATASET=")
    return found[0]


def light_curve(conn: apsw.Connection, obj_id: int, dataset: str, name: str, label: int | None,
                gp: bool = False) -> LightCurve:
    """The object's photometry from rawPhot and, with ``gp``, its GP grid from lcGP."""
    from minibroker.loader.classnames import names

    lc = LightCurve(obj_id, dataset, name, label, class_names=names(conn))
    if has_table(conn, "predictions"):
        pred = conn.execute(render("queries/report/predicted.sql"), {"objId": obj_id}).fetchone()
        if pred:
            lc.predicted, lc.model = pred
    phot: dict[str, list] = {}
    for pb, t, f, e in conn.execute(render("queries/report/photometry.sql"), {"objId": obj_id}):
        phot.setdefault(pb, []).append((t, f, e))
    for pb, obs in phot.items():
        a = np.array(obs, dtype=float)
        lc.bands[pb] = Curve(a[:, 0], a[:, 1], a[:, 2])
    if has_table(conn, "diaObjects"):
        lc.unit = flux_unit(bool(conn.execute(render("queries/report/is_alert.sql"), {"objId": obj_id}).fetchone()[0]))
    if has_table(conn, "lcPeriodFeats"):
        found = conn.execute(render("queries/report/period.sql"), {"objId": obj_id}).fetchone()
        lc.period = found[0] if found else None
    if gp and not stored_gp(conn, lc):
        _gp_on_the_fly(lc)
    return lc


def fit_flags(at_bound, bad_fit, chi2_red=None, converged=None) -> list[str]:
    """Why a GP fit is not to be trusted, in words (empty when it is)."""
    out = []
    if at_bound:
        out.append("at a bound")
    if bad_fit:
        out.append(f"reduced chi2 {chi2_red:.3g}" if chi2_red is not None else "reduced chi2 > 5")
    if converged is not None and not converged:
        out.append("not converged")
    return out


def stored_gp(conn: apsw.Connection, lc: LightCurve) -> bool:
    """Attach the object's lcGP grid, length scales and fit flags (make gp); False when it has none."""
    if not has_table(conn, "lcGP"):
        return False
    grid: dict[str, list] = {}
    for pb, t, f, e in conn.execute(render("queries/gp/curve.sql"), {"objId": lc.obj_id}):
        grid.setdefault(pb, []).append((t, f, e))
    if not grid:
        return False
    for pb, ls, chi2, converged, at_bound, bad in conn.execute(render("queries/report/gp_fits.sql"),
                                                                 {"objId": lc.obj_id}):
        if pb in lc.bands and pb in grid:
            c = lc.bands[pb]
            c.gp_length_scale = ls
            c.gp_flags = fit_flags(at_bound, bad, chi2, converged)
    for pb, pts in grid.items():
        if pb in lc.bands:
            a = np.array(pts, dtype=float)
            c = lc.bands[pb]
            c.gp_t, c.gp_flux, c.gp_err = a[:, 0], a[:, 1], a[:, 2]
    lc.gp_source = "lcGP"
    return True


def _gp_on_the_fly(lc: LightCurve) -> None:
    """Fit the GP here (nothing stored) when make gp has not run for this object."""
    from minibroker.gp import fit_predict_many

    pbs = [pb for pb, c in lc.bands.items() if len(c.t) >= 3]
    if not pbs:
        return
    from minibroker.gp.trust import at_bound, bad_fit

    res = fit_predict_many([(lc.bands[pb].t, lc.bands[pb].flux, lc.bands[pb].dflux) for pb in pbs],
                           jobs=1, features=True)
    for pb, r in zip(pbs, res):
        if np.all(np.isfinite(r.mean)):
            c = lc.bands[pb]
            c.gp_t, c.gp_flux, c.gp_err = r.grid, r.mean, r.std
            c.gp_length_scale = r.fit.length_scale
            chi2 = r.features.get("chi2_red")
            c.gp_flags = fit_flags(at_bound(r.fit.amplitude, r.fit.length_scale), bad_fit(chi2), chi2,
                                   r.fit.converged)
    lc.gp_source = "computed"
