"""What runs on Spark executors: the project's numpy kernel (``udf.batch``) over Arrow batches of
lcBands rows, and pandas wrappers of the ``udf.functions`` table. Imports numpy, pyarrow, pandas
and ``udf`` only (never apsw nor the database code), so it loads on any executor.
"""

from typing import Iterator

import numpy as np

from minibroker.udf.batch import KEYS, band_features_batch

OUTPUT = ("objId", "pb") + KEYS
OUTPUT_DDL = "objId long, pb string, n long, wmean double, std double, amp double, mad double, beyond double, skew double"


def _nullable(x: np.ndarray):
    import pyarrow as pa

    x = np.asarray(x, dtype=np.float64)
    return pa.array(x, mask=~np.isfinite(x))  # undefined (NaN) and overflowed (inf) -> null, as SQLite


def band_features(batches: Iterator) -> Iterator:
    """mapInArrow function: batches of (objId, pb, flux list<double>, dflux list<double>) rows ->
    (objId, pb, n, wmean, std, amp, mad, beyond, skew), one band_features_batch call per batch."""
    import pyarrow as pa

    for batch in batches:
        if batch.num_rows == 0:
            continue
        flux, dflux = batch.column("flux"), batch.column("dflux")
        n = np.diff(flux.offsets.to_numpy()).astype(np.int64)
        f = flux.flatten().to_numpy(zero_copy_only=False)
        e = dflux.flatten().to_numpy(zero_copy_only=False)
        feats = band_features_batch(n, f, e)
        arrays = [batch.column("objId"), batch.column("pb"), pa.array(n)]
        arrays += [_nullable(feats[k]) for k in KEYS[1:]]
        yield pa.RecordBatch.from_arrays(arrays, names=list(OUTPUT))


def _finite_pairs(f, e):
    f = np.asarray(f, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    keep = np.isfinite(f) & np.isfinite(e) & (e > 0)
    return f[keep], e[keep]


def values_udf(fn):
    """A pandas Series -> float aggregate calling fn(x) on the finite non-NULL values (as the SQLite
    aggregate's step skips NULL and non-finite values)."""
    def call(x):
        x = np.asarray(x.dropna(), dtype=np.float64)
        with np.errstate(all="ignore"):
            r = fn(x[np.isfinite(x)])
        return _sql_value(r)
    call.__name__ = fn.__name__
    call.__annotations__ = {"x": _series(), "return": float}
    return call


def _series():
    import pandas as pd
    return pd.Series


def _number(v):
    """A SQL argument as udf.aggregates.as_number reads it: finite numbers (decimals too) as float,
    anything else (NULL, text, NaN, inf) as None."""
    if isinstance(v, bool) or v is None or isinstance(v, (str, bytes)):
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _sql_value(r):
    """As SQLite stores a Python aggregate's result: NaN becomes NULL, infinities stay."""
    return None if r is None or r != r else float(r)


def pairs_udf(fn):
    def call(f, e):
        keep = f.notna() & e.notna()
        with np.errstate(all="ignore"):
            r = fn(*_finite_pairs(f[keep], e[keep]))
        return _sql_value(r)
    call.__name__ = fn.__name__
    call.__annotations__ = {"f": _series(), "e": _series(), "return": float}
    return call


def scalar_udf(fn):
    """A row-at-a-time function of floats (NULL and non-finite arguments become None, as SQLite's)."""
    def call(*args):
        return _sql_value(fn(*(_number(v) for v in args)))
    call.__name__ = fn.__name__
    return call
