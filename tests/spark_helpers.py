"""The spark test group's data: one SQLite database built with the project's own commands, and its
export; row comparison between SQLite and Spark results."""

import math

import apsw
from dataclasses import dataclass
from pathlib import Path

from minibroker.app.cli import main
from minibroker.database import connect
from conftest import REAL_DIR, REAL_LABELS

CORPUS = Path(__file__).resolve().parent / "corpus"
N_SIM = 300


@dataclass
class World:
    db: Path
    export: Path


def _ok(argv: list[str], allowed=(0,)) -> None:
    code = main(argv)
    assert code in allowed, (argv, code)


def build_world(root: Path) -> World:
    db = root / "world.db"
    sim = root / "sim"
    _ok(["simulate", "--n", str(N_SIM), "--out", str(sim), "--seed", "7", "--jobs", "1", "--mix", "realistic"])
    _ok(["load", "--db", str(db), "--dataset", "train", "--jobs", "1", str(REAL_DIR)])
    _ok(["load", "--db", str(db), "--dataset", "Corpus", "--jobs", "1", str(CORPUS)], allowed=(1,))  # some fail on purpose
    _ok(["load", "--db", str(db), "--dataset", "sim", "--jobs", "1", str(sim)])
    _ok(["labels", "--db", str(db), "--dataset", "train", str(REAL_LABELS)])
    _ok(["features", "--db", str(db), "--jobs", "1"])
    _ok(["gp", "--db", str(db), "--dataset", "train", "--jobs", "1"])
    _ok(["train", "--db", str(db), "--dataset", "train", "--models", "rf"])
    _ok(["predict", "--db", str(db), "--dataset", "sim"])
    _ok(["anomalies", "--db", str(db), "--dataset", "sim"])
    export = root / "export"
    _ok(["export", "--db", str(db), "--out", str(export)])
    return World(db, export)


def sqlite_rows(db: Path, sql: str, params: dict | None = None) -> tuple[list[str], list[tuple]]:
    conn = connect(db, readonly=True)
    try:
        cur = conn.execute(sql, params or {})
        try:  # apsw knows the columns only while a row is pending
            names = [d[0] for d in cur.getdescription()]
        except apsw.ExecutionCompleteError:
            names = []
        return names, cur.fetchall()
    finally:
        conn.close()


def spark_rows(df) -> tuple[list[str], list[tuple]]:
    return list(df.columns), [tuple(r) for r in df.collect()]


def _same(a, b, rtol) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return math.isclose(a, b, rel_tol=rtol, abs_tol=0.0) or (a == b)
        return False
    return a == b


def _key(row):
    return tuple((v is None, "" if v is None else (round(v, 6) if isinstance(v, float) else v)) for v in row)


def assert_same_rows(got: list[tuple], want: list[tuple], *, ordered: bool, rtol: float = 1e-9, what: str = "") -> None:
    assert len(got) == len(want), f"{what}: {len(got)} rows on Spark, {len(want)} on SQLite"
    if not ordered:
        got, want = sorted(got, key=_key), sorted(want, key=_key)
    for i, (g, w) in enumerate(zip(got, want)):
        assert len(g) == len(w), f"{what}: row {i} has {len(g)} columns on Spark, {len(w)} on SQLite"
        bad = [j for j, (x, y) in enumerate(zip(g, w)) if not _same(x, y, rtol)]
        assert not bad, f"{what}: row {i} differs at columns {bad}: Spark {g} vs SQLite {w}"
