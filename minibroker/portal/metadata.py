"""datasette metadata for the MiniBroker database: column descriptions with units, list pages
(sort order, facets) and every saved selection of ``sql/filters/`` as a canned query (a form).

Column descriptions come from the comments in the migrations (``name type, -- what it is``) and,
for columns that every table shares (fluxes, times, features …), from ``COLUMN_NOTES`` below.
"""

import re

from minibroker.core.sqlfiles import SQL_DIR
from minibroker.core.units import ZP_FILES, ZP_NJY
from minibroker.analyst.sql import filter_names, load_filter
from minibroker.portal import DB_NAME

FLUX_UNIT = (f"flux units: AB zero point {ZP_FILES:g}, i.e. mag = {ZP_FILES:g} - 2.5 log10(flux); LSST alerts "
             f"give nJy (zero point {ZP_NJY:g})")
COLUMN_NOTES = {
    "objId": "object id (objects.objId)",
    "dataset": "dataset the object was loaded into",
    "name": "object name: the file name without extension, unique within a dataset",
    "t": "time of the observation, MJD (days)",
    "pb": "passband: u g r i z y",
    "flux": f"difference flux ({FLUX_UNIT})",
    "dflux": f"1-sigma flux error ({FLUX_UNIT})",
    "fluxErr": f"GP posterior standard deviation ({FLUX_UNIT})",
    "wMean": f"SNR^2-weighted mean flux ({FLUX_UNIT})",
    "label": "class label (integer; names from the #type: headers)",
    "trueLabel": "known class label (NULL when unknown)",
    "predicted": "class predicted by the model",
    "score": "the predicted class's probability (or decision value); for anomalies: IsolationForest score, higher is stranger",
    "rank": "anomaly rank, 1 = most anomalous",
    "peakFlux": f"GP mean at its peak ({FLUX_UNIT})",
    "peakTime": "time of the GP peak, MJD (days)",
    "riseTime": "days from half the GP peak to the peak",
    "declineTime": "days from the GP peak back to half of it",
    "lengthScale": "fitted Matern length scale, days",
    "loadedAt": "UTC, ISO 8601",
    "createdAt": "UTC, ISO 8601",
    "predictedAt": "UTC, ISO 8601",
    "gMinusR": "mean colour g - r, mag (-999: undefined)",
    "rMinusI": "mean colour r - i, mag (-999: undefined)",
    "iMinusZ": "mean colour i - z, mag (-999: undefined)",
}
FEATURE_NOTES = {
    "Std": "std(flux / weighted mean, ddof=1), dimensionless",
    "Amp": "(max flux - min flux) / weighted mean flux, dimensionless",
    "MAD": "median |flux - median| / weighted mean flux, dimensionless",
    "Beyond": "fraction of points more than 1 std from the weighted mean",
    "Skew": "skewness of the fluxes (biased Fisher-Pearson)",
}
_FEATURE = re.compile(r"^([ugrizy])(Std|Amp|MAD|Beyond|Skew)$")
_CREATE = re.compile(r"create table (\w+) \((.*?)\n\)", re.S)
_PARAM_DOC = re.compile(r"^--\s*:(\w+)\s*=\s*(\S+)\s*(.*)$", re.M)
_COLUMN_COMMENT = re.compile(r"^\s+(\w+)\s+\w+[^\n]*?--\s*(.+?)\s*$", re.M)

# list pages: table or view -> datasette table options
LISTS = {
    "candidateList": {"title": "Candidates by class probability", "sort_desc": "score",
                      "facets": ["dataset", "predicted"]},
    "anomalyRanking": {"title": "Anomaly ranking", "sort_desc": "score", "facets": ["dataset", "predicted"]},
    "objectPredictions": {"title": "Predictions of every run", "facets": ["dataset", "model", "predicted", "trueLabel"]},
    # made by the stream later: facets on whichever of these columns they have
    "alerts": {"title": "Latest alerts", "facets": ["dataset", "topic", "predicted"]},
    "filterMatches": {"title": "Filter matches", "facets": ["filter", "filterName", "dataset"]},
    "watchlistHits": {"title": "Watchlist hits", "facets": ["watchlist", "dataset"]},
}


def migration_comments() -> dict[str, dict[str, str]]:
    """table -> column -> the comment beside it in the migration that created it."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        for table, body in _CREATE.findall(path.read_text()):
            out[table] = dict(_COLUMN_COMMENT.findall(body))
    return out


def describe(table: str, column: str, comments: dict) -> str | None:
    note = comments.get(table, {}).get(column) or COLUMN_NOTES.get(column)
    m = _FEATURE.match(column)
    if note is None and m:
        note = f"{m.group(1)} band: {FEATURE_NOTES[m.group(2)]}"
    return note


def canned_queries() -> dict:
    """Each saved selection as a form: its parameters in declared order, an empty field taking the
    file's default (``portal_filter_param``), numbers bound as numbers, as ``make sql FILTER=``."""
    queries = {}
    for name in filter_names():
        text, defaults = load_filter(name)
        comments = [ln for ln in text.splitlines() if ln.lstrip().startswith("--")]
        lines = []
        for line in text.splitlines():
            if not line.lstrip().startswith("--"):
                for p in defaults:  # identifiers only: the value stays a bound parameter
                    line = re.sub(rf":{p}\b", f"portal_filter_param('{name}', '{p}', :{p})", line)
            lines.append(line)
        about = " ".join(c.strip()[2:].strip() for c in comments if not c.strip()[2:].strip().startswith(":"))
        params = [f"{m[0]} (default {m[1]}): {m[2]}" for m in _PARAM_DOC.findall("\n".join(comments))]
        queries[name] = {
            "sql": "\n".join(lines),
            "title": f"Filter: {name}",
            "description": about.removeprefix("Saved selection:").strip()
            + (" Parameters (an empty field takes the default): " + "; ".join(params) + "." if params else ""),
            "params": list(defaults),
            "hide_sql": True,
        }
    return queries


def build(tables: dict[str, list[str]]) -> dict:
    """datasette metadata for a database holding ``tables`` (name -> columns, views included)."""
    comments = migration_comments()
    table_meta = {}
    for table, columns in tables.items():
        described = {c: d for c in columns if (d := describe(table, c, comments))}
        meta = {"columns": described} if described else {}
        if table in LISTS:
            meta.update({k: v for k, v in LISTS[table].items() if k != "facets"})
            meta["facets"] = [f for f in LISTS[table]["facets"] if f in columns]
        table_meta[table] = meta
    return {
        "title": "MiniBroker",
        "description": "Light curves, features, classes and anomalies of one SQLite database (read-only).",
        "databases": {DB_NAME: {"tables": table_meta, "queries": canned_queries()}},
    }
