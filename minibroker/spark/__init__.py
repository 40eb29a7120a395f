"""MiniBroker on Apache Spark: export to Parquet and import back (``export``, ``importer``), the
session (``session``), features (``features`` driving ``kernels`` on executors), filters, views and
SQL (``queries`` over ``transpile``), SQL functions (``functions``), and the CLI modules.

Executors import only ``minibroker.spark.kernels`` and ``udf`` (numpy, pyarrow, pandas); everything else
runs on the driver. This module imports nothing.
"""
