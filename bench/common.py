"""Shared helpers: paths of the project's executables, database files, small queries."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import apsw

ROOT = Path(__file__).resolve().parent.parent
BANDS = ("g", "r", "i", "z")


def minibroker_exe() -> str:
    """The console script installed beside this interpreter (the project's ``.venv/bin/minibroker``)."""
    cand = Path(sys.executable).parent / "minibroker"
    if cand.exists():
        return str(cand)
    found = shutil.which("minibroker")
    if found:
        return found
    raise RuntimeError("no minibroker executable beside the interpreter: install the project (make venv)")


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that copying the main file copies the database."""
    conn = apsw.Connection(str(path))
    conn.execute("pragma wal_checkpoint(TRUNCATE)")
    conn.close()


def copy_db(src: Path, dst: Path) -> None:
    remove_db(dst)
    shutil.copyfile(src, dst)


def scalar(path: Path, sql: str, params=()):
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def griz_rows(path: Path) -> int:
    return scalar(path, "select count(*) from rawPhot where pb in ('g', 'r', 'i', 'z')")
