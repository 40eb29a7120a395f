"""The Spark commands: ``export`` (``cli_export``), ``import-features`` (``cli_import``) and ``spark
features|filter|sql`` (``cli_spark``), each with ``add_arguments(parser)`` and ``run(args)``; pyspark
and pyarrow are imported only when one runs."""

from minibroker.core.commands import Command
from minibroker.spark import cli_export, cli_import, cli_spark

COMMANDS = [
    Command("export", "write the database's tables as Parquet (partitioned by dataset) with a manifest, for Spark",
            cli_export.run, cli_export.add_arguments, examples=("minibroker export --db t.db --out export/",)),
    Command("import-features", "store features computed on Spark back in the database, where the input is unchanged",
            cli_import.run, cli_import.add_arguments, examples=("minibroker import-features --db t.db export/",)),
    Command("spark", "features, saved filters and SQL on Apache Spark over an export; streaming from Kafka "
            "(SPARK_MASTER=local[2] or a cluster)",
            cli_spark.run, cli_spark.add_arguments, options=(),
            examples=("minibroker spark features export/", "minibroker spark filter rejects_by_reason --parquet export/",
                      "minibroker spark stream kafka://127.0.0.1:9092/alerts --checkpoint ck/ --out out/")),
]
