"""The one table of SQL functions: the SQLite registration comes from it, and the pure math loads
without apsw (as on a Spark executor)."""

import subprocess
import sys

import numpy as np
import pytest

from udf import stats
from udf.functions import FUNCTIONS
from udf.registry import AGGREGATES, SCALARS


def test_every_table_function_is_registered_on_sqlite_with_its_arity():
    for name, f in FUNCTIONS.items():
        registered = AGGREGATES.get(name) or SCALARS.get(name)
        assert registered is not None, name
        assert registered[1] == f.nargs
        assert (name in SCALARS) == (f.kind == "scalar")


def test_sqlite_results_are_the_table_functions(db):
    rng = np.random.default_rng(3)
    f, e = rng.normal(10, 3, 40), rng.uniform(0.5, 2, 40)
    db.execute("create temp table t(f real, e real)")
    db.executemany("insert into t values (?, ?)", list(zip(f.tolist(), e.tolist())))
    for name, fn in FUNCTIONS.items():
        if fn.kind == "values":
            got = db.execute(f"select {name}(f) from t").fetchone()[0]
            assert got == pytest.approx(fn.fn(f), rel=1e-12), name
        elif fn.kind == "pairs":
            got = db.execute(f"select {name}(f, e) from t").fetchone()[0]
            assert got == pytest.approx(fn.fn(f, e), rel=1e-12), name
    assert db.execute("select colour(2.0, 1.0)").fetchone()[0] == stats.colour(2.0, 1.0)


def test_pure_math_imports_without_apsw():
    code = (
        "import sys; sys.modules['apsw'] = None\n"
        "import udf, udf.functions, udf.batch, udf.stats, udf.aggregates\n"
        "assert 'apsw' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "print(sorted(udf.functions.FUNCTIONS))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "skew" in out.stdout
