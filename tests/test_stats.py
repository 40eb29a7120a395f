"""udf.stats (one group) and udf.batch (many groups at once) against the independent reference
(tests/reference.py) on generated and real data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference import read_lc, ref_band
from conftest import REAL_DIR
from minibroker.udf import batch, stats


def scalar_features(f, e) -> dict:
    return {"n": f.size, "wmean": stats.weighted_mean(f, e), "std": stats.norm_std(f, e),
            "amp": stats.norm_amplitude(f, e), "mad": stats.norm_mad(f, e),
            "beyond": stats.beyond_1std(f, e), "skew": stats.skew(f)}


def batch_features(groups) -> list[dict]:
    """Every group through one band_features_batch call; NaN -> None."""
    n = np.array([len(f) for f, _ in groups])
    f = np.concatenate([g[0] for g in groups]) if groups else np.zeros(0)
    e = np.concatenate([g[1] for g in groups]) if groups else np.zeros(0)
    out = batch.band_features_batch(n, f, e)
    return [{k: (None if np.isnan(v := float(out[k][i])) else v) for k in batch.KEYS} for i in range(len(n))]


def assert_band_matches(f, e, got=None):
    for got in ([got] if got else [scalar_features(f, e), batch_features([(f, e)])[0]]):
        assert_one(got, f, e)


def assert_one(got, f, e):
    ref = ref_band(f, e)
    pairs = {"wmean": "w", "std": "Std", "amp": "Amp", "mad": "MAD", "beyond": "Beyond", "skew": "Skew"}
    for mine, theirs in pairs.items():
        if ref[theirs] is None:
            assert got[mine] is None, mine
        else:
            assert got[mine] == pytest.approx(float(ref[theirs]), rel=1e-9, abs=1e-12), mine
    assert got["n"] == len(f)


@pytest.mark.parametrize("seed", range(20))
def test_random_bands_match_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    f = rng.normal(rng.uniform(-50, 200), rng.uniform(1, 80), n)
    e = rng.uniform(0.5, 20, n)
    assert_band_matches(f, e)


def test_real_bands_match_reference():
    checked = 0
    for path in sorted(REAL_DIR.glob("*.dat")):
        df = read_lc(path)
        for b in "ugriz":
            sel = df[df.pb == b]
            if len(sel):
                assert_band_matches(sel.flux.to_numpy(float), sel.dflux.to_numpy(float))
                checked += 1
    assert checked > 400


def test_many_groups_in_one_batch_match_reference():
    rng = np.random.default_rng(5)
    groups = []
    for path in sorted(REAL_DIR.glob("*.dat")):
        df = read_lc(path)
        groups += [(df[df.pb == b].flux.to_numpy(float), df[df.pb == b].dflux.to_numpy(float)) for b in "griz"]
    groups += [(rng.normal(5, 2, k), rng.uniform(1, 2, k)) for k in (1, 2, 3)]   # tiny groups
    groups.insert(7, (np.zeros(0), np.zeros(0)))                                    # an empty one
    results = batch_features(groups)
    for (f, e), got in zip(groups, results):
        assert_band_matches(f, e, got)


def test_negative_weighted_mean_gives_negative_amplitude():
    f = np.array([-10.0, -20.0, -5.0, 3.0])
    e = np.ones(4)
    assert stats.weighted_mean(f, e) < 0
    assert stats.norm_amplitude(f, e) < 0


def test_degenerate_inputs_return_none():
    empty = np.array([])
    for feats in (scalar_features, lambda f, e: batch_features([(f, e)])[0]):
        assert feats(empty, empty) == {"n": 0, "wmean": None, "std": None, "amp": None,
                                       "mad": None, "beyond": None, "skew": None}
        one = feats(np.array([5.0]), np.array([1.0]))
        assert one["std"] is None and one["beyond"] is None and one["wmean"] == 5.0 and one["amp"] == 0.0
        zeros = feats(np.zeros(3), np.ones(3))
        assert zeros["wmean"] is None and zeros["std"] is None and zeros["amp"] is None
        assert feats(np.full(5, 7.0), np.ones(5))["skew"] is None


def test_colour_rule():
    assert stats.colour(10.0, 10.0) == 0.0
    assert stats.colour(100.0, 10.0) == pytest.approx(-2.5)
    assert stats.colour(-1.0, 10.0) == -999.0
    assert stats.colour(None, 10.0) is None
    assert stats.colour(1e-200, 1e200) == pytest.approx(1000.0)  # the ratio underflows: from the logs
    assert stats.colour(1e200, 1e-200) == pytest.approx(-1000.0)  # and overflows


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-3, 1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=finite),
                                                       arrays(np.float64, n, elements=positive))))
def test_never_raises_and_matches_reference_when_well_conditioned(fe):
    f, e = fe
    got = scalar_features(f, e)  # neither path may raise on any finite input
    batch_features([(f, e)])
    w = got["wmean"]
    if w is None or abs(w) < 1e-3 or np.ptp(f) < 1e-6 * max(1.0, np.abs(f).max()):
        return  # ill-conditioned: only "no exception" is promised
    assert_band_matches(f, e)


def test_group_sort_exact_when_values_span_more_than_double_range():
    """max - min overflows to inf in a group: its sort takes the exact path, and neither its median
    nor its neighbours' are disturbed."""
    big = np.finfo(np.float64).max
    rng = np.random.default_rng(2)
    groups = [rng.normal(0, 5, 9),
              np.array([big, -big, 1.0, -3.0, big / 2, 7.0, -big / 3]),
              rng.normal(10, 1, 8),
              np.array([3.0, 3.0 + 4e-16, 3.0, 3.0 + 8e-16])]   # near-ties: the exact path
    n = np.array([len(x) for x in groups])
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    f = np.concatenate(groups)
    g = batch._Groups(n, starts)
    ordered = g.sort(f, np.array([x.min() for x in groups]), np.array([x.max() for x in groups]))
    assert np.array_equal(ordered, np.concatenate([np.sort(x) for x in groups]))
    assert np.array_equal(g.median(ordered), [np.median(x) for x in groups])


def test_batch_sort_and_median_against_numpy_on_many_random_groups():
    rng = np.random.default_rng(9)
    n = rng.integers(1, 60, 3000)
    f = np.round(rng.normal(0, 1, n.sum()), 2)  # many exact ties
    out = batch.band_features_batch(n, f, np.ones(f.size))
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    for k in range(0, 3000, 7):
        x = f[starts[k]:starts[k] + n[k]]
        raw = np.median(np.abs(x - np.median(x)))
        if np.isfinite(out["wmean"][k]) and out["wmean"][k] != 0:
            assert out["mad"][k] == raw / abs(out["wmean"][k])
