"""Thin aggregate classes: collect the rows of one group, hand the arrays to ``udf.stats``.

``step`` never raises on data: NULLs and non-numeric values are skipped (as SQL's built-in
aggregates skip NULL), so are pairs whose error is NULL. ``final`` returns None (SQL NULL)
for degenerate groups, as the pure functions do.
"""

import json
import math

import numpy as np

from udf import stats


def as_number(v) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = float(v)
        return v if math.isfinite(v) else None
    return None


class _Values:
    """Collects one numeric argument per row."""

    fn = None

    def __init__(self):
        self.x: list[float] = []

    def step(self, value):
        v = as_number(value)
        if v is not None:
            self.x.append(v)

    def final(self):
        return type(self).fn(np.asarray(self.x, dtype=np.float64))


class _FluxPairs:
    """Collects (flux, dflux) pairs; rows with a missing or non-positive error are skipped."""

    fn = None

    def __init__(self):
        self.f: list[float] = []
        self.e: list[float] = []

    def step(self, flux, dflux):
        f, e = as_number(flux), as_number(dflux)
        if f is not None and e is not None and e > 0:
            self.f.append(f)
            self.e.append(e)

    def final(self):
        return self.compute(np.asarray(self.f, dtype=np.float64), np.asarray(self.e, dtype=np.float64))

    def compute(self, f, e):
        return type(self).fn(f, e)


def _values(fn):
    return type(fn.__name__, (_Values,), {"fn": staticmethod(fn)})


def _pairs(fn):
    return type(fn.__name__, (_FluxPairs,), {"fn": staticmethod(fn)})


class BandFeatures(_FluxPairs):
    """All per-band features of one group as a JSON object (keys ``stats.FEATURE_KEYS``)."""

    def compute(self, f, e):
        return json.dumps(stats.band_features(f, e))


Stdev = _values(stats.stdev)
Mad = _values(stats.mad)
Skew = _values(stats.skew)
WeightedMean = _pairs(stats.weighted_mean)
NormStd = _pairs(stats.norm_std)
NormAmplitude = _pairs(stats.norm_amplitude)
NormMad = _pairs(stats.norm_mad)
Beyond1Std = _pairs(stats.beyond_1std)
