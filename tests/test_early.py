"""Early classification: the simulator's labels for alert objects load; the earlyClassifications view's
survey time, days since first detection and detections so far equal a computation straight from the
Avro files; balanced accuracy and recall per bin equal scikit-learn's; the report section renders."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, recall_score

from minibroker.app.cli import main
from minibroker.database import connect
from minibroker.sim.classes import CLASSES
from minibroker.sim.run import parse_mix, simulate_object
from minibroker.stream.simulate import OBJECT_ID_BASE
from stream_helpers import read_alerts, simulated

SEED, N, MIX = 11, 24, "SNIa=1,SNCC=1,AGN=1,RRLyrae=1,Mdwarf=1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A model trained on 150 simulated objects, then 24 objects' first 365 nights streamed and labelled."""
    from minibroker.features.pipeline import compute
    from minibroker.loader.load import list_files, load_files
    from minibroker.model.train import train
    from minibroker.sim.run import simulate

    tmp = tmp_path_factory.mktemp("early")
    db = tmp / "e.db"
    conn = connect(db)
    simulate(150, tmp / "train", seed=5, mix="balanced", jobs=1)
    load_files(conn, list_files(tmp / "train"), "train", jobs=0)
    compute(conn, "train", jobs=1)
    train(conn, "train", models=["rf"], repeats=0, jobs=1)
    conn.close()
    alerts = simulated(tmp / "alerts", n=N, seed=SEED, mix=MIX, nights=365)
    assert main(["stream", "--db", str(db), "--dataset", "alerts", "--jobs", "1", str(alerts)]) == 0
    return db, alerts, tmp


def test_simulated_labels_csv_loads_with_make_labels(world, capsys):
    db, alerts, _ = world
    with open(alerts / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    weights = parse_mix(MIX)
    truth = {str(OBJECT_ID_BASE + i): simulate_object(SEED, i, mix=weights).label for i in range(1, N + 1)}
    assert rows and {r["name"]: int(r["label"]) for r in rows} == {r["name"]: truth[r["name"]] for r in rows}
    assert all(r["className"] == CLASSES[int(r["label"])].name for r in rows)
    alerted = {str(a["diaObject"]["diaObjectId"]) for f in sorted(alerts.glob("*.avro")) for a in read_alerts(f)}
    assert {r["name"] for r in rows} == alerted  # exactly the objects with an alert in the files

    assert main(["labels", "--db", str(db), "--dataset", "alerts", str(alerts / "labels.csv")]) == 0
    assert f"{len(rows)} objects labelled" in capsys.readouterr().out
    conn = connect(db)
    stored = dict(conn.execute("select o.name, l.label from lcLabels l join objects o using (objId)"
                               " where o.dataset = 'alerts'").fetchall())
    assert stored == {r["name"]: int(r["label"]) for r in rows}
    names = dict(conn.execute("select label, name from classNames").fetchall())
    assert all(names[int(r["label"])] == r["className"] for r in rows)


def expected_from_files(alerts: Path) -> pd.DataFrame:
    """Per file (a batch, in name order) and object with alerts in it: the latest alert time, the first
    detection and the number of detections (diaSource and prvDiaSources) received up to then."""
    seen: dict[int, dict[int, float]] = {}
    out = []
    for f in sorted(alerts.glob("*.avro")):
        latest: dict[int, float] = {}
        for a in read_alerts(f):
            oid = a["diaObject"]["diaObjectId"]
            det = seen.setdefault(oid, {})
            for s in [a["diaSource"], *(a["prvDiaSources"] or [])]:
                det[s["diaSourceId"]] = s["midpointMjdTai"]
            latest[oid] = max(latest.get(oid, -np.inf), a["diaSource"]["midpointMjdTai"])
        for oid, t in latest.items():
            ts = np.array([v for v in seen[oid].values() if v <= t])
            out.append({"name": str(oid), "file": f.name, "mjd": t, "first": ts.min(), "nDet": len(ts)})
    df = pd.DataFrame(out)
    df["k"] = df.groupby("name").cumcount()  # the object's k-th classification
    return df


def view_frame(db) -> pd.DataFrame:
    conn = connect(db)
    cur = conn.execute("select * from earlyClassifications order by historyId")
    cols = [d[0] for d in cur.getdescription()]
    return pd.DataFrame(cur.fetchall(), columns=cols)


def test_view_days_and_detections_equal_a_direct_computation(world):
    db, alerts, _ = world
    want = expected_from_files(alerts)
    got = view_frame(db)
    got["k"] = got.groupby("name").cumcount()
    assert len(got) == len(want) > 3 * got.name.nunique()  # objects are classified again at later alerts
    assert (got["atAlert"] == 1).all()
    both = want.merge(got, on=["name", "k"], how="outer", validate="one_to_one", indicator=True)
    assert (both["_merge"] == "both").all()
    np.testing.assert_allclose(both["mjd_y"], both["mjd_x"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(both["firstDetectionMjd"], both["first"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(both["daysSinceFirstDetection"], both["mjd_x"] - both["first"], rtol=0, atol=1e-9)
    assert (both["nDetections"] == both["nDet"]).all()
    assert both["daysSinceFirstDetection"].min() < 1 and both["daysSinceFirstDetection"].max() > 60
    assert both["nDetections"].max() > 20


@pytest.mark.parametrize("axis", ["days", "detections"])
def test_balanced_accuracy_per_bin_equals_scikit_learn(world, axis):
    from minibroker.report import early

    db, _, _ = world
    conn = connect(db)
    run_id, _, n = early.run(conn)
    bins = early.bins(conn, run_id, axis)
    rows = view_frame(db)
    rows = rows[(rows.runId == run_id) & rows.trueLabel.notna() & (rows.atAlert == 1)]
    assert n == len(rows) and sum(b.n for b in bins) == len(rows)  # every classification in one bin
    x = rows["daysSinceFirstDetection"] if axis == "days" else rows["nDetections"]
    assert len(bins) >= 4
    for b in bins:
        sel = rows[(x >= b.lo) & (x < b.hi)]
        assert len(sel) == b.n
        y, p = sel.trueLabel.astype(int), sel.predicted.astype(int)
        assert b.balanced == pytest.approx(balanced_accuracy_score(y, p), abs=1e-12)
        classes = sorted(set(y))
        assert sorted(b.recall) == classes
        np.testing.assert_allclose([b.recall[c] for c in classes],
                                   recall_score(y, p, labels=classes, average=None), rtol=0, atol=1e-12)
        assert {c: b.count[c] for c in classes} == y.value_counts().to_dict()
        assert {c: b.objects[c] for c in classes} == sel.groupby("trueLabel").objId.nunique().to_dict()
    assert any(0 < b.balanced < 1 for b in bins)


def test_recognition_follows_the_rule():
    from minibroker.report.early import Bin, recognition, sentence

    def b(label, **recalls):
        return Bin(label, 0, 1, 0, 0.0, {int(k[1:]): v for k, v in recalls.items()},
                   {int(k[1:]): 20 for k in recalls})

    bins = [b("0-1 d", c0=0.9, c1=0.2), b("1-3 d", c0=0.5, c1=0.85, c2=0.9), b("3-7 d", c0=0.85, c1=0.9, c2=0.95)]
    bins[2].count[0] = 5  # too few to count: c0 is recognisable from its last counted bin on... none
    r = {x.label: x for x in recognition(bins, threshold=0.8, min_n=10)}
    assert r[0].bin is None and r[0].best == 0.9 and r[0].best_bin == "0-1 d"
    assert r[1].bin == "1-3 d" and r[1].first_bin == "0-1 d" and not r[1].later
    assert r[2].bin == "1-3 d" and r[2].later
    text = sentence({"days": list(r.values()), "detections": list(r.values())}, {0: "A", 1: "B", 2: "C"},
                    threshold=0.8, min_n=10)
    assert "B from 1-3 d / 1-3 d detections" in text and "A (best 0.90 at 0-1 d)" in text
    assert "C from 1-3 d / 1-3 d detections (its first bin with enough classifications" in text


def test_report_has_the_early_section_with_its_figure(world, capsys):
    from test_report import png_size

    db, alerts, tmp = world
    main(["labels", "--db", str(db), "--dataset", "alerts", str(alerts / "labels.csv")])
    out = tmp / "report"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    html = (out / "index.html").read_text()
    start = html.index('<h2 id="early">')
    section = html[start:html.index("<h2", start + 5)]
    assert "early_classification.png" in section and "Recognisable" in section
    assert "days since first detection" in section and "detections so far" in section
    w, h = png_size(out / "early_classification.png")
    assert w >= 1000 and h >= 400
