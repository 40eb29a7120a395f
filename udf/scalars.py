"""Scalar SQL functions: thin wrappers that make SQL values safe for ``udf.stats``."""

from udf import stats
from udf.aggregates import as_number


def colour(w_x, w_y):
    return stats.colour(as_number(w_x), as_number(w_y))
