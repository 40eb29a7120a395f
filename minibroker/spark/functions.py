"""MiniBroker's SQL functions on a SparkSession, from the same table as SQLite's
(``udf.functions.FUNCTIONS``): aggregates as grouped-aggregate pandas UDFs, scalars as Python UDFs."""

from minibroker.spark import kernels
from minibroker.udf.functions import FUNCTIONS

_WRAP = {"values": kernels.values_udf, "pairs": kernels.pairs_udf}


def register_functions(spark) -> list[str]:
    from pyspark.sql.functions import pandas_udf, udf

    for name, f in FUNCTIONS.items():
        if f.kind in _WRAP:
            spark.udf.register(name, pandas_udf(_WRAP[f.kind](f.fn), "double"))
        else:
            spark.udf.register(name, udf(kernels.scalar_udf(f.fn), "double"))
    return sorted(FUNCTIONS)
