"""What the figures read from the database (every statement is in ``sql/queries/report``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import apsw
import numpy as np

from minibroker.core.errors import UserError
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
    if gp:
        grid: dict[str, list] = {}
        if has_table(conn, "lcGP"):
            for pb, t, f, e in conn.execute(render("queries/gp/curve.sql"), {"objId": obj_id}):
                grid.setdefault(pb, []).append((t, f, e))
        if grid:
            lc.gp_source = "lcGP"
            for pb, pts in grid.items():
                if pb in lc.bands:
                    a = np.array(pts, dtype=float)
                    c = lc.bands[pb]
                    c.gp_t, c.gp_flux, c.gp_err = a[:, 0], a[:, 1], a[:, 2]
        else:
            _gp_on_the_fly(lc)
    return lc


def _gp_on_the_fly(lc: LightCurve) -> None:
    """Fit the GP here (nothing stored) when make gp has not run for this object."""
    from minibroker.gp import fit_predict_many

    pbs = [pb for pb, c in lc.bands.items() if len(c.t) >= 3]
    if not pbs:
        return
    res = fit_predict_many([(lc.bands[pb].t, lc.bands[pb].flux, lc.bands[pb].dflux) for pb in pbs],
                           jobs=1, features=False)
    for pb, r in zip(pbs, res):
        if np.all(np.isfinite(r.mean)):
            c = lc.bands[pb]
            c.gp_t, c.gp_flux, c.gp_err = r.grid, r.mean, r.std
    lc.gp_source = "computed"
