"""The SQL files the code runs: every path the code names exists, every query file is used, and no path
is assembled at run time (a misspelt name fails here, not in a user's command)."""

import re
from pathlib import Path

import jinja2
import pytest

from conftest import ROOT
from minibroker.core.sqlfiles import SQL_DIR, render

CODE_DIRS = ("minibroker", "loader", "udf", "bench")
SQL_PATH = re.compile(r"""["']((?:queries|features|views|filters|migrations|[a-z]+)/[\w/.-]+\.(?:sql|j2))["']""")


def shipped_code() -> dict[Path, str]:
    files = {}
    for d in CODE_DIRS:
        for p in (ROOT / d).rglob("*.py"):
            if ".venv" not in p.parts and p.resolve() not in {f.resolve() for f in files}:
                files[p] = p.read_text()
    return files


def named_paths() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, text in shipped_code().items():
        for m in SQL_PATH.finditer(text):
            found.setdefault(m.group(1), []).append(f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}")
    return found


def test_every_sql_path_in_the_code_exists_and_renders():
    paths = named_paths()
    assert len(paths) > 50  # the scan finds the code's queries (there are many)
    missing = {p: where for p, where in paths.items() if not (SQL_DIR / p).is_file()}
    assert not missing, f"SQL files named in the code but absent from sql/: {missing}"
    for p in paths:
        try:
            assert render(p).strip(), p
        except jinja2.UndefinedError:  # a template whose caller passes more structure (the Spark path)
            assert p.startswith("spark/"), p


def test_no_sql_path_is_built_at_run_time():
    offenders = [f"{path.relative_to(ROOT)}:{i}" for path, text in shipped_code().items()
                 for i, line in enumerate(text.splitlines(), 1)
                 if re.search(r"""render\(\s*f["']|render\([^)"']*\+""", line)]
    assert not offenders, offenders


def test_every_query_file_is_used():
    used = set(named_paths())
    templates_used = set()
    for p in SQL_DIR.rglob("*.j2"):  # Jinja imports between templates
        templates_used |= set(re.findall(r"""\{%\s*(?:from|import|include)\s+["']([^"']+)["']""", p.read_text()))
    queries = {str(p.relative_to(SQL_DIR)) for p in (SQL_DIR / "queries").rglob("*.sql")}
    queries |= {str(p.relative_to(SQL_DIR)) for p in (SQL_DIR / "features").rglob("*") if p.is_file()}
    unused = sorted(queries - used - templates_used)
    assert not unused, f"query files no code runs (move test-only SQL to tests/sql/): {unused}"


@pytest.mark.parametrize("path", sorted(str(p.relative_to(SQL_DIR)) for p in (SQL_DIR / "views").glob("*.sql")))
def test_each_view_file_holds_its_own_view(path):
    text = (SQL_DIR / path).read_text()
    name = Path(path).stem
    assert re.search(rf"^create view {name} as$", text, re.M), f"{path} must create the view {name}"
    assert f"drop view if exists {name};" in text
