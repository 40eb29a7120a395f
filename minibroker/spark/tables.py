"""An export (``minibroker export``) as Spark temporary views, one per table, with the table's own
columns (a Hive partition column ``dataset`` is dropped where the table has none)."""

from pathlib import Path

from minibroker.spark.export import read_manifest


def register_export(spark, directory: Path, tables: list[str] | None = None) -> dict:
    """Create a temp view per exported table (or per name in ``tables``); returns the manifest."""
    directory = Path(directory).resolve()
    manifest = read_manifest(directory)
    for name, info in manifest["tables"].items():
        if tables is not None and name not in tables:
            continue
        columns = [c for c, _ in info["columns"]]
        df = spark.read.option("basePath", str(directory / name)).parquet(str(directory / name))
        df.select(*columns).createOrReplaceTempView(name)
    return manifest
