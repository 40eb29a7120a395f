"""MiniBroker's SQL functions on an apsw connection, registered from ``udf.functions.FUNCTIONS``.

The pure functions become aggregate classes (``udf.aggregates``) or safe scalars; two
SQLite-only aggregates over whole light curves are added: ``lc_band_features(flux, dflux)`` (all
features of one group as a JSON object) and ``lc_packed_band_features(objId, pb, flux, dflux)``
(over lcBands' packed blobs, a JSON array with one row per band; what ``make features`` calls).
"""

import apsw

from udf import aggregates
from udf.functions import FUNCTIONS


def _scalar(fn):
    def call(*args):
        return fn(*(aggregates.as_number(a) for a in args))
    call.__name__ = fn.__name__
    return call


_WRAP = {"values": aggregates.values_aggregate, "pairs": aggregates.pairs_aggregate}

AGGREGATES = {
    name: (_WRAP[f.kind](f.fn), f.nargs) for name, f in FUNCTIONS.items() if f.kind in _WRAP
} | {
    "lc_band_features": (aggregates.BandFeatures, 2),
    "lc_packed_band_features": (aggregates.PackedBandFeatures, 4),
}

SCALARS = {name: (_scalar(f.fn), f.nargs) for name, f in FUNCTIONS.items() if f.kind == "scalar"}


def register(conn: apsw.Connection) -> None:
    for name, (cls, nargs) in AGGREGATES.items():
        conn.create_aggregate_function(name, cls, nargs, flags=apsw.SQLITE_DETERMINISTIC)
    for name, (fn, nargs) in SCALARS.items():
        conn.create_scalar_function(name, fn, nargs, deterministic=True)
