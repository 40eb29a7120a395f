"""The missing-value rule (model/matrix.py): the same at training and prediction time."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minibroker.model import matrix, store
from minibroker.model.candidates import by_name

NAN = np.nan


def test_null_nan_inf_and_sentinel_are_missing():
    X = matrix.to_float([[None, 1.5, -999], [np.inf, -np.inf, 2.0], [NAN, -999.0, 0.0]])
    assert np.isnan(X).tolist() == [[True, False, True], [True, True, False], [True, True, False]]
    assert X[0, 1] == 1.5 and X[1, 2] == 2.0 and X[2, 2] == 0.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.just(-999.0), st.floats(allow_nan=True, allow_infinity=True)),
                         min_size=3, max_size=3), min_size=1, max_size=20))
def test_rule_leaves_only_finite_or_nan(rows):
    X = matrix.to_float(rows)
    assert X.shape == (len(rows), 3)
    assert not np.isinf(X).any() and not (X == -999.0).any()
    kept = np.array([[v is not None and np.isfinite(v) and v != -999.0 for v in r] for r in rows])
    assert (~np.isnan(X) == kept).all()


def test_training_medians_and_indicators_are_applied_at_prediction():
    train = matrix.to_float([[1.0, 10.0, None], [2.0, -999, None], [3.0, 30.0, None], [100.0, 40.0, None]])
    rule = matrix.missing_rule().fit(train)
    # medians of the fitted rows: 2.5 and 30; a column missing everywhere takes 0
    new = matrix.to_float([[None, None, None], [-999, 5.0, 7.0]])
    out = rule.transform(new)
    # columns: the three features, then one indicator for column 1 (the only one partly missing
    # in training) and one for column 2 (missing everywhere)
    assert out.shape == (2, 5)
    assert out[0, :3].tolist() == [2.5, 30.0, 0.0]
    assert out[1, :3].tolist() == [2.5, 5.0, 7.0]
    assert out[:, 3:].tolist() == [[1.0, 1.0], [0.0, 0.0]]
    # the prediction data did not move the medians
    assert rule.statistics_.tolist() == [2.5, 30.0, 0.0]


def test_stored_pipeline_applies_the_same_rule():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    X[::5, 1] = np.nan
    y = np.repeat([0, 1, 2], 10)
    est = by_name(["rf"])[0].build().fit(X, y)   # svm is the exercise: no missing-value rule
    data, digest = store.dumps(est)
    assert digest == store.sha256(data) and len(digest) == 64
    import pickle

    again = pickle.loads(data)
    assert (again.predict(X) == est.predict(X)).all()
    assert again.named_steps["missing"].statistics_.tolist() == est.named_steps["missing"].statistics_.tolist()
