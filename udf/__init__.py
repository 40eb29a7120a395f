"""MiniBroker's SQL functions, registered from this one table on every connection.

Aggregates (name -> class, number of SQL arguments); the definitions are in ``udf.stats``.
"""

import apsw

from udf import aggregates, scalars

AGGREGATES = {
    # analyst building blocks
    "stdev": (aggregates.Stdev, 1),           # sample standard deviation, ddof=1
    "mad": (aggregates.Mad, 1),               # median absolute deviation from the median
    "skew": (aggregates.Skew, 1),             # biased Fisher-Pearson skewness (scipy default)
    "weighted_mean": (aggregates.WeightedMean, 2),  # SNR^2-weighted mean flux (flux, dflux)
    # the lcFeats definitions, normalised by the weighted mean
    "norm_std": (aggregates.NormStd, 2),
    "norm_amplitude": (aggregates.NormAmplitude, 2),
    "norm_mad": (aggregates.NormMad, 2),
    "beyond1std": (aggregates.Beyond1Std, 2),
    "lc_band_features": (aggregates.BandFeatures, 2),  # all of the above as one JSON object
    # (objId, pb, flux blob, dflux blob) over lcBands rows -> JSON array, one object per band
    "lc_packed_band_features": (aggregates.PackedBandFeatures, 4),
    # (objId, pb, t blob, flux blob, dflux blob) over lcBands rows -> JSON array, one array per object
    # [objId, *udf.period.COLUMNS]: Lomb-Scargle periods and shape features (udf/period.py)
    "lc_packed_period_features": (aggregates.PackedPeriodFeatures, 5),
}

SCALARS = {
    "colour": (scalars.colour, 2),            # -2.5 log10(w_x / w_y), -999 unless both > 0
}


def register(conn: apsw.Connection) -> None:
    for name, (cls, nargs) in AGGREGATES.items():
        conn.create_aggregate_function(name, cls, nargs, flags=apsw.SQLITE_DETERMINISTIC)
    for name, (fn, nargs) in SCALARS.items():
        conn.create_scalar_function(name, fn, nargs, deterministic=True)
