"""Scalar SQL functions: thin wrappers that make SQL values safe for ``udf.stats``."""

from minibroker.udf import stats
from minibroker.udf.aggregates import as_number


def colour(w_x, w_y):
    return stats.colour(as_number(w_x), as_number(w_y))
