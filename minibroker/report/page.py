"""``make report``: every figure as a PNG in one folder with an ``index.html`` that lists them and
the key tables.  A section without data (no training yet, no anomalies, no make gp) says so."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from minibroker.core.bands import FEATURE_BANDS
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.loader.classnames import names, show

from . import figures
from .data import has_table, rows

_TEMPLATES = Path(__file__).resolve().parent / "templates"

ID_COLUMNS = ("objId", "dataset", "name", "label")


@dataclass
class Table:
    columns: list[str]
    rows: list[list]


@dataclass
class Section:
    id: str
    title: str
    note: str = ""
    missing: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


def _fmt(v):
    if v is None:
        return "—"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.6g}"
    return v


def _table(cols, data) -> Table:
    return Table(list(cols), [[_fmt(v) for v in r] for r in data])


def build(conn, out: Path, *, dataset: str | None = None, top: int = 9, db: str = "database") -> dict:
    """Write ``out/index.html`` and its PNGs; returns ``{"index": path, "figures": [...], "missing": [...]}``."""
    out.mkdir(parents=True, exist_ok=True)
    params = {"dataset": dataset}
    sections: list[Section] = []
    pngs: list[Path] = []

    # classes
    s = Section("classes", "Objects per class")
    cols, data = rows(conn, "queries/report/class_counts.sql", params)
    known = names(conn)
    if data:
        s.tables.append(_table(["label", "class", "objects with features"],
                               [("unlabelled", "", r[1]) if r[0] is None else (r[0], show(r[0], known), r[1])
                                for r in data]))
    else:
        s.missing = "No objects with features: run make load and make features."
    sections.append(s)

    # model comparison
    s = Section("models", "Model comparison (latest make train)")
    if has_table(conn, "modelComparison") and (data := rows(conn, "queries/report/model_comparison.sql")[1]):
        cols = rows(conn, "queries/report/model_comparison.sql")[0]
        s.tables.append(_table(cols, data))
        s.note = "Cross-validated scores of every candidate; chosen = 1 marks the model the rule picked."
    else:
        s.missing = "No training yet: run make train."
    sections.append(s)

    # confusion matrix
    s = Section("confusion", "Confusion matrix (chosen model's predictions vs known labels)")
    run = conn.execute(render("queries/model/chosen_run.sql")).fetchone() if has_table(conn, "modelRuns") else None
    counts = rows(conn, "queries/report/confusion.sql", {"runId": run[0], **params})[1] if run else []
    if counts:
        path = figures.confusion_matrix(counts, out / "confusion_matrix.png",
                                        f"run {run[0]} ({run[1]}), training {run[2]}"
                                        + (f", dataset {dataset}" if dataset else ""), known)
        pngs.append(path)
        s.figures.append(path.name)
        s.note = ("Predictions stored by make predict for labelled objects. Objects the model was "
                  "trained on are in-sample here; the model comparison above holds the cross-validated scores.")
    else:
        s.missing = ("No predictions of labelled objects: run make train, then make predict DATASET=… "
                     "on a dataset with labels." if run else "No training yet: run make train and make predict.")
    sections.append(s)

    sections.append(_early_section(conn, out, known, pngs))

    # anomalies
    s = Section("anomalies", f"Top {top} anomalies")
    anomalies = []
    if has_table(conn, "anomalyRanking"):
        cols, data = rows(conn, "queries/report/top_anomalies.sql", {"top": int(top), **params})
        anomalies = [dict(zip(cols, r)) for r in data]
    if anomalies:
        s.tables.append(_table(cols, data))
        path = figures.anomaly_gallery(conn, anomalies, out / "anomalies.png")
        pngs.append(path)
        s.figures.append(path.name)
    else:
        s.missing = "No anomaly scores: run make anomalies DATASET=…"
    sections.append(s)

    # feature distributions
    s = Section("features", "Feature distributions per class")
    cols, data = rows(conn, "queries/report/features.sql", params)
    if data:
        feats = [c for c in cols if c not in ID_COLUMNS]
        moments = [c for c in feats if c in _MOMENT_COLUMNS]
        gpf = [c for c in feats if c not in _MOMENT_COLUMNS]
        for name, group, label in (("features_moments.png", moments, "Moment features (lcFeats)"),
                                   ("features_gp.png", gpf, "GP features (lcGPFeats)")):
            path = figures.feature_distributions(cols, data, group, out / name, label, known)
            if path:
                pngs.append(path)
                s.figures.append(path.name)
            elif group is gpf:
                s.note = "No GP features yet: run make gp to add their distributions."
    else:
        s.missing = "No labelled objects with features: load labels and run make features."
    sections.append(s)

    # GP summary
    s = Section("gp", "Gaussian-process fits (make gp)")
    data = rows(conn, "queries/report/gp_summary.sql", params)[1] if has_table(conn, "lcGPFeats") else []
    if data:
        s.tables.append(_table(["band", "object-bands", "fitted", "< 3 points", "not converged",
                                "at a bound", "reduced chi2 > 5", "not to trust", "mean length scale",
                                "mean reduced chi2"], data))
        s.note = ("A fit is not to trust when its amplitude or length scale ended on a bound or its reduced "
                  "chi2 exceeds 5 (lcGPFeats.atBound, badFit); the plots draw such a GP dashed, and draw "
                  "every GP only within 2 length scales of an observation.")
        cols, worst = rows(conn, "queries/report/gp_untrusted.sql", {"top": UNTRUSTED_ROWS, **params})
        if worst:
            s.tables.append(_table(["object", "dataset", "band", "points", "length scale", "amplitude",
                                    "reduced chi2", "at a bound", "reduced chi2 > 5"], worst))
    else:
        s.missing = "No GP fits: run make gp."
    sections.append(s)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.get_template("index.html.j2").render(
        title=dataset or "every dataset", db=db, written=utc_now(), sections=sections)
    index = out / "index.html"
    index.write_text(html)
    return {"index": index, "figures": pngs,
            "missing": [sec.title for sec in sections if sec.missing]}


UNTRUSTED_ROWS = 20  # fits not to trust listed by name in the GP section, worst reduced chi2 first


def _early_section(conn, out: Path, known: dict, pngs: list) -> Section:
    """Balanced accuracy and per-class recall of the stream's classifications by days since first
    detection and by detections so far (minibroker/report/early.py), over every streamed dataset."""
    from . import early

    s = Section("early", "Early classification (the stream's classifications, alert by alert)")
    c = early.counts(conn) if has_table(conn, "predictionHistory") else None
    if c is None or c["nClassifications"] == 0:
        s.note = ("This database holds no stream classifications (make stream with a trained model), so there is "
                  "nothing to measure here; not a gap in this report.")
        return s
    run = early.run(conn)
    if run is None:
        s.missing = ("No stream classifications of labelled objects: stream alerts with a trained model "
                     "(make stream), then load their true classes (make labels LABELS=DIR/labels.csv "
                     "DATASET=… for simulated alerts).")
        return s
    run_id, model, _ = run
    by_axis = {axis: early.bins(conn, run_id, axis) for axis in early.AXES}
    classes = sorted({k for bins in by_axis.values() for b in bins for k in b.count})
    for axis, bins in by_axis.items():
        s.tables.append(_table(
            [early.AXES[axis], "classifications", "balanced accuracy"]
            + [f"recall {show(k, known)} (n)" for k in classes],
            [[b.label, b.n, b.balanced] + [f"{b.recall[k]:.2f} ({b.count[k]})" if k in b.count else None
                                           for k in classes] for b in bins]))
    path = figures.early_classification(
        {early.AXES[a]: b for a, b in by_axis.items()}, out / "early_classification.png",
        f"Stream classifications by run {run_id} ({model}) of labelled alert objects, as alerts arrived",
        known, early.MIN_N)
    pngs.append(path)
    s.figures.append(path.name)
    recognised = early.sentence({a: early.recognition(b) for a, b in by_axis.items()}, known)
    s.note = (f"Every classification the stream made at an alert (predictionHistory) by run {run_id} ({model}), "
              f"of objects with known classes ({sum(b.n for b in by_axis['days'])} classifications; datasets "
              f"{c['datasets']}; {c['nUnplaced']} of all {c['nClassifications']} classifications could not be "
              "placed at an alert and are left out), each counted in its bin; balanced accuracy is the mean recall of the classes present in the "
              "bin. " + recognised + " Caveats: an alert carries 12 months of history, so an object detected "
              "earlier has its first detection inside that window (variable stars sit in the late bins); "
              "the survey time of a classification is inferred from its number of measurements, which "
              "assumes alerts arrived in time order (the view earlyClassifications says how).")
    return s


_MOMENT_COLUMNS = {f"{b}{k}" for b in FEATURE_BANDS for k in ("Std", "Amp", "MAD", "Beyond", "Skew")} | {
    "gMinusR", "rMinusI", "iMinusZ"}
