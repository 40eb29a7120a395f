"""Everything the object page shows, read from the database through datasette (its time limit and
read-only connections), as one JSON-ready dict: the HTML page, ``.json`` and ``.csv`` use it.

Sections whose tables a later step creates (the stream's alerts, prediction history, filter
matches, watchlist hits; a period table) appear when ``sqlite_master`` holds them.
"""

import json
import re
import time

import jinja2

from minibroker.core.sqlfiles import SQL_DIR
from minibroker.core.sqlfiles import render

FEATURES = tuple(f"{b}{k}" for k in ("Std", "Amp", "MAD", "Beyond", "Skew") for b in "griz") + (
    "gMinusR", "rMinusI", "iMinusZ")
# tables that the stream creates later, each shown on the object page once it exists (with objId)
OPTIONAL_TABLES = (
    ("alerts", "Alerts"),
    ("predictionHistory", "Class probabilities over time"),
    ("filterMatches", "Filter matches"),
    ("watchlistHits", "Watchlist hits"),
)
CLASS_NAME_TTL = 60.0   # seconds a class-name map is reused before it is read again
_IDENT = re.compile(r"^\w+$")
_jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SQL_DIR)), undefined=jinja2.StrictUndefined,
                            autoescape=False)


def render_structure(relpath: str, **identifiers) -> str:
    """A ``sql/queries/portal`` template filled with identifiers (table and column names read from
    the schema, checked to be plain words), never values."""
    for value in identifiers.values():
        for ident in (value if isinstance(value, (list, tuple)) else [value]):
            if not _IDENT.match(ident):
                raise ValueError(f"not an identifier: {ident!r}")
    return _jinja.get_template(f"queries/portal/{relpath}").render(**identifiers)


async def rows(db, sql: str, params: dict | None = None) -> list[dict]:
    result = await db.execute(sql, params or {})
    return [dict(zip(result.columns, r)) for r in result.rows]


async def schema(db) -> dict[str, list[str]]:
    """table or view name -> its columns (datasette's introspection, which the authorizer allows)."""
    names = await db.table_names() + await db.view_names()
    return {n: await db.table_columns(n) for n in names}


_class_names: dict[str, tuple[float, dict]] = {}   # database path -> (when read, label -> name)


async def class_names(db) -> dict[int, str]:
    """label -> name, from the #type: headers of labelled objects (the most frequent name of each
    label); read again after ``CLASS_NAME_TTL`` seconds."""
    at, names = _class_names.get(db.path, (-1e9, {}))
    if time.monotonic() - at > CLASS_NAME_TTL:
        names = {}
        for r in await rows(db, render("queries/portal/class_names.sql")):
            names.setdefault(r["label"], r["name"])   # ordered by count within a label
        _class_names[db.path] = (time.monotonic(), names)
    return names


def class_label(label, names: dict) -> str | None:
    if label is None:
        return None
    name = names.get(label)
    return f"{label} {name}" if name else str(label)


async def percentiles(db, feats: dict, label: int, by_known: bool, run_id) -> dict[str, float | None]:
    """Each feature's percentile among the objects of the same class."""
    columns = [c for c in FEATURES if feats.get(c) is not None]
    if not columns:
        return {}
    sql = render_structure("percentiles.sql.j2", columns=columns)
    params = {"label": label, "byKnown": int(by_known), "runId": run_id, **{c: feats[c] for c in columns}}
    row = (await rows(db, sql, params))[0]
    return {c: (round(100.0 * row[f"below_{c}"] / row[f"n_{c}"], 1) if row[f"n_{c}"] else None) for c in columns}


async def period(db, obj_id: int, headers: list[dict], tables: dict) -> tuple[float | None, str | None]:
    """A known period in days and where it came from: a ``#period:`` header, or a ``period``
    column of any table keyed by objId."""
    for h in headers:
        if h["key"].lower() == "period":
            try:
                value = float(h["value"])
            except ValueError:
                continue
            if value > 0:
                return value, "#period: header"
    for table, columns in sorted(tables.items()):
        lower = {c.lower(): c for c in columns}
        if "objid" in lower and "period" in lower:
            sql = render_structure("period.sql.j2", table=table, column=lower["period"])
            found = await rows(db, sql, {"objId": obj_id})
            if found:
                return float(found[0]["period"]), f"{table}.{lower['period']}"
    return None, None


async def class_percentiles(db, obj: dict, chosen: dict | None, feats: dict) -> dict[str, float | None]:
    """Percentiles within the known class, else within the chosen model's predicted class."""
    if not feats:
        return {}
    if obj["label"] is not None:
        return await percentiles(db, feats, obj["label"], True, None)
    if chosen:
        return await percentiles(db, feats, chosen["label"], False, chosen["runId"])
    return {}


async def load_percentiles(db, dataset: str, name: str) -> dict | None:
    """Only the features' percentiles within the class (the page fetches them after it renders:
    they scan the class, ~0.4 s for a class of 30,000 objects, the rest of the page ~10 ms)."""
    found = await rows(db, render("queries/portal/object.sql"), {"dataset": dataset, "name": name})
    if not found:
        return None
    oid = {"objId": found[0]["objId"]}
    preds = await rows(db, render("queries/portal/predictions.sql"), oid)
    chosen = next((p for p in preds if p["chosen"]), None)
    feats = await rows(db, render("queries/portal/features.sql"), oid)
    return await class_percentiles(db, found[0], chosen, feats[0] if feats else {})


def gp_drawing(gp: list[dict], gp_features: list[dict], photometry: list[dict]) -> dict[str, str]:
    """Mark each lcGP row ``constrained`` (an observation of its band within 2 fitted length scales:
    the plot draws only those, so season gaps stay blank) and return, per band whose fit is not to
    be trusted (``atBound``/``badFit``, not converged), why (the plot draws it dashed)."""
    import numpy as np

    from minibroker.gp.trust import constrained

    scales = {f["pb"]: f["lengthScale"] for f in gp_features}
    times: dict[str, list] = {}
    for p in photometry:
        times.setdefault(p["pb"], []).append(p["t"])
    by_band: dict[str, list] = {}
    for g in gp:
        by_band.setdefault(g["pb"], []).append(g)
    for pb, pts in by_band.items():
        ok = constrained([g["t"] for g in pts], np.array(times.get(pb, []), dtype=float), scales.get(pb))
        for g, flag in zip(pts, ok.tolist()):
            g["constrained"] = flag
    flags = {}
    for f in gp_features:
        why = [w for w, on in (("at a bound", f.get("atBound")), ("reduced chi2 > 5", f.get("badFit")),
                               ("not converged", f.get("converged") == 0)) if on]
        if why and f["pb"] in by_band:
            flags[f["pb"]] = ", ".join(why)
    return flags


async def flux_unit(db, obj_id: int, tables: dict):
    """The object's :class:`~minibroker.core.units.FluxUnit` (nJy for an alert object)."""
    from minibroker.core.units import flux_unit as unit

    if "diaObjects" not in tables:
        return unit(False)
    found = await rows(db, render("queries/report/is_alert.sql"), {"objId": obj_id})
    return unit(bool(found[0]["isAlert"]))


async def load(db, dataset: str, name: str, *, with_percentiles: bool = True) -> dict | None:
    """The object's page data, or None when the database has no such object; ``with_percentiles``
    False leaves each feature's percentile None (the HTML page fetches them separately)."""
    found = await rows(db, render("queries/portal/object.sql"), {"dataset": dataset, "name": name})
    if not found:
        return None
    obj = found[0]
    oid = {"objId": obj["objId"]}
    tables = await schema(db)
    names = await class_names(db)
    headers = await rows(db, render("queries/portal/headers.sql"), oid)
    phot = await rows(db, render("queries/portal/photometry.sql"), oid)
    preds = await rows(db, render("queries/portal/predictions.sql"), oid)
    for p in preds:
        p["scores"] = json.loads(p["scores"])
        p["labelName"] = class_label(p["label"], names)
    chosen = next((p for p in preds if p["chosen"]), None)
    anomaly = await rows(db, render("queries/portal/anomaly.sql"), oid)
    feats = await rows(db, render("queries/portal/features.sql"), oid)
    feats = feats[0] if feats else {}
    pct = await class_percentiles(db, obj, chosen, feats) if with_percentiles else {}
    feature_rows = [{"feature": c, "value": feats.get(c), "percentile": pct.get(c)} for c in FEATURES] if feats else []
    per, per_source = await period(db, obj["objId"], headers, tables)
    optional = []
    for table, title in OPTIONAL_TABLES:
        if "objId" in tables.get(table, ()):
            optional.append({"table": table, "title": title,
                             "rows": await rows(db, render_structure("optional_rows.sql.j2", table=table), oid)})
    rejects = await rows(db, render("queries/portal/rejects.sql"), {"fileId": obj["fileId"]}) if obj["fileId"] is not None else []
    gp_features = await rows(db, render("queries/portal/gp_features.sql"), oid)
    gp = await rows(db, render("queries/portal/gp.sql"), oid)
    gp_flags = gp_drawing(gp, gp_features, phot)
    unit = await flux_unit(db, obj["objId"], tables)
    return {
        "object": {**obj, "labelName": class_label(obj["label"], names)},
        "headers": headers,
        "prediction": chosen,
        "predictions": preds,
        "anomaly": anomaly[0] if anomaly else None,
        "features": feature_rows,
        "gpFeatures": gp_features,
        "photometry": phot,
        "gp": gp,
        "gpFlags": gp_flags,
        "fluxUnit": {"zeroPoint": unit.zero_point, "name": unit.name},
        "period": per,
        "periodSource": per_source,
        "rejects": rejects,
        "optional": optional,
        "classNames": {str(k): v for k, v in names.items()},
    }
