"""The one table of MiniBroker's SQL functions: SQL name -> pure function over numpy arrays.

Imports numpy and ``udf.stats`` only, so it loads anywhere the math must run (a Spark executor
too). Every engine registers from this table: ``udf.registry`` wraps each function in an apsw
aggregate or scalar, ``sparkjobs.functions`` in a Spark pandas UDF. The definitions (ddof, bias,
NULL for degenerate groups) are documented in ``udf.stats``.

``kind``:
- ``values``: aggregate over one numeric column, ``fn(x)``;
- ``pairs``:  aggregate over (flux, dflux) rows, ``fn(f, e)``; rows whose error is missing or
  not > 0 are skipped;
- ``scalar``: a per-row function of plain floats (None for NULL).
"""

from dataclasses import dataclass
from typing import Callable

from udf import stats


@dataclass(frozen=True)
class SqlFunction:
    fn: Callable
    kind: str  # "values" | "pairs" | "scalar"
    nargs: int


FUNCTIONS: dict[str, SqlFunction] = {
    # analyst building blocks
    "stdev": SqlFunction(stats.stdev, "values", 1),            # sample standard deviation, ddof=1
    "mad": SqlFunction(stats.mad, "values", 1),                # median absolute deviation from the median
    "skew": SqlFunction(stats.skew, "values", 1),              # biased Fisher-Pearson skewness (scipy default)
    "weighted_mean": SqlFunction(stats.weighted_mean, "pairs", 2),  # SNR^2-weighted mean flux
    # the lcFeats definitions, normalised by the weighted mean
    "norm_std": SqlFunction(stats.norm_std, "pairs", 2),
    "norm_amplitude": SqlFunction(stats.norm_amplitude, "pairs", 2),
    "norm_mad": SqlFunction(stats.norm_mad, "pairs", 2),
    "beyond1std": SqlFunction(stats.beyond_1std, "pairs", 2),
    # -2.5 log10(w_x / w_y), -999 unless both > 0
    "colour": SqlFunction(stats.colour, "scalar", 2),
}
