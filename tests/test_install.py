"""A non-editable install works from any directory: the SQL files and templates travel inside the
package (they are not looked up in the source tree), and one top-level name is installed."""

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import REAL_DIR, ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel `pip install .` would install, unpacked into a directory of its own."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp.glob("minibroker-*.whl"))
    target = tmp / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    return target


def run(target, cwd, *args):
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_one_top_level_name_with_its_sql_inside(installed):
    tops = sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info"))
    assert tops == ["minibroker"]
    pkg = installed / "minibroker"
    for rel in ("sql/migrations/001_core.sql", "sql/features/compute.sql.j2", "sql/views/objectFeatures.sql",
                "sql/filters/rejects_by_reason.sql", "report/templates/index.html.j2", "udf/batch.py",
                "loader/parse.py", "core/db.py"):
        assert (pkg / rel).is_file(), rel
        assert not (pkg / rel).is_symlink()


def test_commands_run_from_another_directory(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(installed, elsewhere, "-c", "import minibroker, minibroker.core.sqlfiles as s; "
                                            "print(minibroker.__file__); print(s.SQL_DIR)")
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(installed)) for line in where.stdout.split()), where.stdout
    db = str(tmp_path / "i.db")
    cli = ("-m", "minibroker.app.cli")
    for argv in (["load", "--db", db, "--jobs", "2", str(REAL_DIR)], ["features", "--db", db, "--jobs", "2"],
                 ["sql", "--db", db, "select count(*) as n from lcFeats"],
                 ["sql", "--db", db, "--filter", "rejects_by_reason"]):
        r = run(installed, elsewhere, *cli, *argv)
        assert r.returncode == 0, (argv, r.stderr)
    assert "(no rows)" in r.stdout  # the saved selection ran (the real files have no rejections)
    r = run(installed, elsewhere, *cli, "sql", "--db", db, "select count(*) as n from lcFeats")
    assert "│ 100 │" in r.stdout, r.stdout
