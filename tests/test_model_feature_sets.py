"""The optional GP feature set: train/predict/anomalies read it through views, and refuse it before make gp."""

import shutil

import pytest

from minibroker.database import connect
from minibroker.core.errors import UserError
from minibroker.model.anomalies import score
from minibroker.model.predict import predict
from minibroker.model.train import train


@pytest.fixture
def db(real_db, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(real_db, path)
    conn = connect(path)
    yield conn
    conn.close()


def test_gp_feature_set_needs_make_gp(db):
    with pytest.raises(UserError, match="run make gp"):
        train(db, feature_set="gp", models=["rf"])


def test_gp_feature_set_trains_predicts_and_ranks(db):
    from minibroker.gp.store import compute as gp_compute

    moments = train(db, models=["rf"])
    gp_compute(db, jobs=1)
    result = train(db, feature_set="gp", models=["rf"])
    extra = set(result.features) - set(moments.features)
    assert {"gPeakFlux", "rRiseTime", "zChi2Red"} <= extra
    assert set(moments.features) <= set(result.features)
    report = predict(db, "train", result.chosen.run_id)
    assert report.n_objects == 100
    n = db.execute("select count(*) from predictions where runId = ?", (result.chosen.run_id,)).fetchone()[0]
    assert n == 100
    ranked = score(db, "train", top=5, feature_set="gp")
    assert [a.rank for a in ranked.top] == [1, 2, 3, 4, 5]


def test_gp_model_refuses_objects_without_gp_features(db):
    from minibroker.gp.store import compute as gp_compute

    gp_compute(db, jobs=1)
    result = train(db, feature_set="gp", models=["rf"])
    db.execute("delete from lcGPFeats where objId in (select objId from objects where name = 'FAKE050')")
    with pytest.raises(UserError, match="run make gp"):
        predict(db, "train", result.chosen.run_id)
