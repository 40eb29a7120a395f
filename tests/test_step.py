"""The one science-step driver (minibroker.core.step) and its staleness guard, for every step that uses it.

Each test lets a step read and compute, then — between its compute and its store, as a load or the
stream running at the same time would — replaces one object's photometry and deletes another from
a second connection. The step must store nothing computed from the replaced data, must not fail
because of the deleted object, must store the others, and a re-run must redo the replaced one.
"""

import shutil

import numpy as np
import pytest

from conftest import REAL_DIR, REAL_LABELS, random_rows, write_lc
from minibroker.core import step
from minibroker.database import connect
from minibroker.features import pipeline as features
from minibroker.loader.labels import load_labels
from minibroker.loader.load import list_files, load_files

CHANGED, DELETED = "FAKE003", "FAKE007"


@pytest.fixture
def real_copy(tmp_path):
    """The 100 real light curves in a directory of their own (so one can be replaced), loaded and labelled."""
    d = tmp_path / "real"
    shutil.copytree(REAL_DIR, d)
    path = tmp_path / "s.db"
    conn = connect(path)
    assert load_files(conn, list_files(d), "train", jobs=0).failed == 0
    load_labels(conn, REAL_LABELS, "train")
    return conn, path, d


def obj_id(conn, name):
    return conn.execute("select objId from objects where name = ?", (name,)).fetchone()[0]


@pytest.fixture
def meanwhile(monkeypatch):
    """Patch the driver's store so that, once, just before it stores, another connection replaces
    state["changed"]'s file (a real load) and deletes state["deleted"] (CHANGED and DELETED at first)."""
    original = step.store_current
    state = {"done": False, "changed": CHANGED, "deleted": DELETED}

    def setup(path, data_dir):
        def store_current(conn, store, ids, seen, result):
            if not state["done"]:
                state["done"] = True
                other = connect(path)
                rows = random_rows(np.random.default_rng(sum(map(ord, state["changed"]))), 40, bands="griz")
                write_lc(data_dir / f"{state['changed']}.dat", rows)
                assert load_files(other, list_files(data_dir), "train", jobs=0).loaded == 1
                other.execute("delete from objects where name = ?", (state["deleted"],))
                other.close()
            return original(conn, store, ids, seen, result)

        monkeypatch.setattr(step, "store_current", store_current)
        return state

    return setup


def test_versions_change_with_photometry_only(real_copy):
    conn, path, d = real_copy
    oid = obj_id(conn, CHANGED)
    before = step.versions(conn, [oid])[oid]
    assert load_files(conn, list_files(d), "train", jobs=0).loaded == 0      # unchanged files: same version
    assert step.versions(conn, [oid])[oid] == before
    write_lc(d / f"{CHANGED}.dat", random_rows(np.random.default_rng(2), 30))
    load_files(conn, list_files(d), "train", jobs=0)
    assert step.versions(conn, [oid])[oid] != before
    assert step.versions(conn, [oid, 10**9]) == {oid: step.versions(conn, [oid])[oid]}  # unknown ids absent


def lcfeats_by_name(conn):
    return {r[0]: r[1:] for r in conn.execute("select o.name, f.* from lcFeats f join objects o using (objId)")}


@pytest.mark.parametrize("jobs", [1, 3])
def test_features_are_not_stored_from_changed_photometry(real_copy, meanwhile, tmp_path, jobs):
    conn, path, d = real_copy
    state = meanwhile(path, d)
    run = features.compute(conn, chunk=100 if jobs == 1 else 10, jobs=jobs)
    assert state["done"] and run.objects == 100
    if jobs == 1:                                  # one chunk, read before the change: both left out
        assert run.stale == 2
    names = set(lcfeats_by_name(conn))
    assert DELETED not in names and len(names) == 100 - run.stale
    assert features.compute(conn, jobs=1).stale == 0
    # whatever was stored when, the result is what a fresh database computes from the files as they are now
    fresh = connect(tmp_path / "fresh.db")
    load_files(fresh, [p for p in list_files(d) if DELETED not in str(p)], "train", jobs=0)
    features.compute(fresh, jobs=1)
    mine, theirs = lcfeats_by_name(conn), lcfeats_by_name(fresh)
    assert mine.keys() == theirs.keys() and len(mine) == 99
    assert all(mine[n][1:] == theirs[n][1:] for n in mine)   # (objIds differ: compare the features)


def test_gp_is_not_stored_from_changed_photometry(real_copy, meanwhile):
    from minibroker.gp.store import compute as gp_compute

    conn, path, d = real_copy
    ids = [obj_id(conn, n) for n in ("FAKE001", "FAKE002", CHANGED, DELETED)]
    state = meanwhile(path, d)
    run = gp_compute(conn, n_grid=20, jobs=1, ids=ids)
    assert state["done"] and run.objects == 4 and run.stale == 2
    fitted = {r[0] for r in conn.execute("select distinct name from lcGPFeats join objects using (objId)")}
    assert fitted == {"FAKE001", "FAKE002"}


def test_predictions_and_anomalies_are_not_stored_for_changed_objects(real_copy, meanwhile):
    from minibroker.model.anomalies import score
    from minibroker.model.predict import predict
    from minibroker.model.train import train

    conn, path, d = real_copy
    features.compute(conn, jobs=1)
    train(conn, "train", models=["rf"])
    changed = obj_id(conn, CHANGED)
    state = meanwhile(path, d)
    report = predict(conn, "train")
    assert state["done"] and report.stale == 2
    predicted = {r[0] for r in conn.execute("select objId from predictions")}
    assert changed not in predicted and len(predicted) == 98

    features.compute(conn, jobs=1)                # the changed object's new features
    state.update(done=False, changed="FAKE010", deleted=None)
    r = score(conn, "train", top=5)
    assert state["done"] and r.stale == 1 and r.n_objects == 98
    ranks = [row[0] for row in conn.execute("select rank from anomalies order by rank")]
    assert ranks == list(range(1, 99))          # ranked among the stored ones: no gaps
    assert obj_id(conn, "FAKE010") not in {row[0] for row in conn.execute("select objId from anomalies")}


def test_a_model_fitted_on_a_training_set_that_changed_is_not_stored(real_copy, monkeypatch):
    """train reads the labelled features, cross-validates and fits for a while, then stores: if a load
    replaced a training object's photometry meanwhile, nothing is stored and the user is told."""
    from minibroker.core.errors import UserError
    from minibroker.model import train as train_module

    conn, path, d = real_copy
    features.compute(conn, jobs=1)
    original = train_module.choose

    def choose_then_load(runs):  # after every fit, before the store
        other = connect(path)
        write_lc(d / f"{CHANGED}.dat", random_rows(np.random.default_rng(9), 40, bands="griz"))
        assert load_files(other, list_files(d), "train", jobs=0).loaded == 1
        other.close()
        return original(runs)

    monkeypatch.setattr(train_module, "choose", choose_then_load)
    with pytest.raises(UserError, match="changed while the models were fitted"):
        train_module.train(conn, "train", models=["rf"], repeats=1, jobs=1)
    assert conn.execute("select count(*) from modelRuns").fetchone()[0] == 0
    monkeypatch.setattr(train_module, "choose", original)
    features.compute(conn, jobs=1)
    train_module.train(conn, "train", models=["rf"], repeats=1, jobs=1)  # unchanged now: stored
    assert conn.execute("select count(*) from modelRuns").fetchone()[0] == 1
