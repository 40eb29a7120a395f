"""Shared fixtures: fresh databases with migrations applied and functions registered, the real data,
and a writer of generated light-curve files."""

from pathlib import Path

import numpy as np
import pytest

from minibroker.database import connect

pytest_plugins = ["kafka_fixture"]  # the real Kafka broker fixtures (started only when asked for)

# The one place that knows where things are: the project, and the shared data beside it.
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REAL_DIR = SHARED / "training_set_for_LSST_DSFP"
REAL_LABELS = SHARED / "training_labels.csv"
TEST_SQL = Path(__file__).resolve().parent / "sql"


def pytest_collection_modifyitems(config, items):
    if not REAL_DIR.is_dir() or not REAL_LABELS.is_file():
        raise pytest.UsageError(f"the real light curves are missing: expected {REAL_DIR} and {REAL_LABELS} "
                                "beside the project (../shared/data)")


@pytest.fixture(autouse=True)
def _process_limits_restored():
    """``minibroker sql`` caps its process (address space, SQLite's heap); tests that run it in this
    process must not leave the cap on the rest of the session (a browser started later needs far
    more address space than a query)."""
    import resource

    import apsw

    before = resource.getrlimit(resource.RLIMIT_AS)
    yield
    resource.setrlimit(resource.RLIMIT_AS, before)
    apsw.hard_heap_limit(0)
    apsw.soft_heap_limit(0)


def sql_for_test(name: str) -> str:
    """SQL that only the tests run (tests/sql/<name>.sql): it does not ship with the package."""
    return (TEST_SQL / f"{name}.sql").read_text()


@pytest.fixture
def db(tmp_path):
    """A fresh database file with the schema and MiniBroker's functions."""
    conn = connect(tmp_path / "test.db")
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def real_db(tmp_path_factory):
    """The 100 real training light curves loaded (dataset 'train'), labelled and featurised. Read only."""
    from minibroker.features.pipeline import compute
    from minibroker.loader.labels import load_labels
    from minibroker.loader.load import list_files, load_files

    path = tmp_path_factory.mktemp("real") / "real.db"
    conn = connect(path)
    report = load_files(conn, list_files(REAL_DIR), "train", jobs=2)
    assert report.failed == 0
    load_labels(conn, REAL_LABELS, "train")
    compute(conn)
    conn.close()
    return path


def real_data_lines() -> dict[str, int]:
    """Data lines per real file, counted independently of the loader: non-blank lines that are not
    `#` headers, minus the one column header line."""
    counts = {}
    for p in sorted(REAL_DIR.glob("*.dat")):
        lines = [ln for ln in p.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        counts[p.stem] = len(lines) - 1
    return counts


def write_lc(path: Path, rows, headers=None, columns=("t", "pb", "flux", "dflux"), fmt="{:>14} ") -> Path:
    """Write a light-curve file: `#key:value` headers, a column header, then the rows as given."""
    out = [f"#{k}:{v}" for k, v in (headers or {}).items()]
    out.append("".join(fmt.format(c) for c in columns).rstrip())
    out += ["".join(fmt.format(v) for v in row).rstrip() for row in rows]
    path.write_text("\n".join(out) + "\n")
    return path


def random_rows(rng: np.random.Generator, n: int, bands="ugriz", mean=100.0):
    t = np.sort(rng.uniform(56000, 56400, n))
    pb = rng.choice(list(bands), n)
    e = rng.uniform(1.0, 10.0, n)
    f = rng.normal(mean, 30.0, n)
    return [(f"{a:.6f}", b, f"{c:.6f}", f"{d:.6f}") for a, b, c, d in zip(t, pb, f, e)]


@pytest.fixture(scope="session")
def spark():
    """The spark test group's one SparkSession (local[2] unless SPARK_MASTER says otherwise).
    pyspark and Java missing fail here, loudly: make test-spark installs the extra."""
    from minibroker.spark.session import get_session, stop_session

    session = get_session("minibroker-tests")
    yield session
    stop_session()


@pytest.fixture(scope="session")
def spark_world(tmp_path_factory):
    """A database with the real 100 (dataset 'train', labelled, with GP features), the malformed
    corpus (dataset 'Corpus': mixed case on purpose, for LIKE) and 300 simulated objects ('sim'),
    featurised, trained (rf), predicted and anomaly-ranked in SQLite; and its export. Read only."""
    from spark_helpers import build_world

    return build_world(tmp_path_factory.mktemp("spark"))
