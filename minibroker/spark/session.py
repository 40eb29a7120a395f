"""The SparkSession every ``minibroker spark`` command (and the test group) uses.

``SPARK_MASTER`` selects where it runs: ``local[N]`` (default ``local[2]``) or a cluster URL
(``spark://host:7077``, ``yarn``, ``k8s://…``). The JVM is kept light (C1 compiler only, serial GC,
``SPARK_DRIVER_MEMORY`` default 768m). Executors run the project's pure math (``udf``) and the
Arrow kernels (``minibroker.spark.kernels``; for ``spark stream`` the decoder
``minibroker.stream.decode``): they import them from the installed package, and the packages are also
shipped as a zip with ``addPyFile`` so a cluster whose Python has numpy, pandas and pyarrow (and, for
the stream, cavro, fastavro and lsst-alert-packet) but not MiniBroker still works.
Spark runs with ANSI mode off (SQLite's semantics: division by zero gives NULL, not an error) and
UTC session time.
"""

import logging
import os
import warnings
import sys
import tempfile
import zipfile
from pathlib import Path

from minibroker.core.errors import UserError

DEFAULT_MASTER = "local[2]"
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1 -Xss4m"
SHIPPED = ("udf", "spark", "stream")  # subpackages of minibroker that executors import (with minibroker/__init__)

_session = None


def master() -> str:
    return os.environ.get("SPARK_MASTER", "").strip() or DEFAULT_MASTER


def _zip_packages() -> str:
    """A zip of the packages executors import, for ``addPyFile``."""
    root = Path(__file__).resolve().parents[1]  # the minibroker package (udf: a link in the source tree)
    path = Path(tempfile.mkdtemp(prefix="minibroker-pyfiles-")) / "minibroker_exec.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(root / "__init__.py", "minibroker/__init__.py")
        for pkg in SHIPPED:
            for f in sorted((root / pkg).glob("*.py")):
                z.write(f, f"minibroker/{pkg}/{f.name}")
    return str(path)


def get_session(app: str = "minibroker", packages: list[str] | None = None):
    """The process's SparkSession, created on first use (``packages``: Maven coordinates for
    ``spark.jars.packages``, e.g. the Kafka connector; only a new session gets them)."""
    global _session
    if _session is not None:
        return _session
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UserError("pyspark is not installed: install the extra with "
                        "pip install -e '.[spark]' (make test-spark does) and Java 17") from None
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    memory = os.environ.get("SPARK_DRIVER_MEMORY", "768m")
    builder = (
        SparkSession.builder.master(master()).appName(app)
        .config("spark.driver.memory", memory)
        .config("spark.driver.extraJavaOptions", JVM_OPTIONS)
        .config("spark.executor.extraJavaOptions", JVM_OPTIONS)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.python.worker.reuse", "true")
    )
    if packages:
        builder = builder.config("spark.jars.packages", ",".join(packages))
    try:
        _session = builder.getOrCreate()
    except Exception as exc:  # no Java, a bad master URL …
        raise UserError(f"cannot start Spark on {master()}: {' '.join(str(exc).split())[:300]}: "
                        "check Java 17 (java -version) and SPARK_MASTER") from None
    _session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # errors reach the user as one line
    _session.sparkContext.addPyFile(_zip_packages())
    return _session


def stop_session() -> None:
    global _session
    if _session is not None:
        _session.stop()
        _session = None
