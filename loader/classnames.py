"""Class names: what each integer label means, in ``classNames`` (labels stay integers in lcLabels).

Three sources: ``#type:`` headers of labelled files (``from_headers``, run after every load and
labels load: a label gets the name its objects agree on), the simulator's class table
(``from_simulator``), and CSV files (``load_csv``): a ``label,name`` names file, or a labels file
``name,label,className`` (``make labels`` reads that column too). CSV and simulator names win over
header names. ``names(conn)`` is what every printed table, report and plot title uses.
"""

import csv
from pathlib import Path

import apsw

from minibroker.core.db import immediate
from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render

NAME_COLUMNS = ("className", "class_name", "classname", "type")   # in a labels CSV, beside name,label


def from_headers(conn: apsw.Connection) -> None:
    """Names from ``#type:`` headers of labelled objects (in its own write transaction); nothing on a
    database older than migration 005."""
    if not _has_table(conn):
        return
    with immediate(conn):
        conn.execute(render("queries/classnames/from_headers.sql"))


def from_simulator(conn: apsw.Connection) -> int:
    from minibroker.sim.classes import CLASSES

    with immediate(conn):
        for c in CLASSES:
            conn.execute(render("queries/classnames/upsert.sql"),
                         {"label": c.label, "name": c.name, "source": "simulator"})
    return len(CLASSES)


def store(conn: apsw.Connection, names: dict[int, str], source: str) -> None:
    """Store ``names``; the caller holds the write transaction."""
    for label, name in sorted(names.items()):
        conn.execute(render("queries/classnames/upsert.sql"), {"label": label, "name": name, "source": source})


def read_csv(path: str | Path) -> dict[int, str]:
    """label -> name of a ``label,name`` CSV (header line required)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no class-names file at {path}: give NAMES=file.csv with label,name columns")
    out: dict[int, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        if "label" not in header or "name" not in header:
            raise UserError(f"{path}: line 1 must name the columns label,name (found {','.join(header)!r})")
        ilabel, iname = header.index("label"), header.index("name")
        for rec in reader:
            if not rec or not any(f.strip() for f in rec):
                continue
            line = reader.line_num
            if len(rec) != len(header):
                raise UserError(f"{path}: line {line}: expected {len(header)} fields, found {len(rec)}: fix the file")
            try:
                label = int(rec[ilabel])
            except ValueError:
                raise UserError(f"{path}: line {line}: label is not an integer: {rec[ilabel]!r}: fix the file") from None
            name = rec[iname].strip()
            if not name:
                raise UserError(f"{path}: line {line}: empty class name: fix the file")
            if out.get(label, name) != name:
                raise UserError(f"{path}: line {line}: label {label} named both {out[label]!r} and {name!r}: fix the file")
            out[label] = name
    return out


def load_csv(conn: apsw.Connection, path: str | Path) -> dict[int, str]:
    names = read_csv(path)
    with immediate(conn):
        store(conn, names, str(Path(path).resolve()))
    return names


def names(conn: apsw.Connection) -> dict[int, str]:
    """label -> name of every named class (empty on a database without the table)."""
    if not _has_table(conn):
        return {}
    return {int(label): name for label, name in conn.execute(render("queries/classnames/all.sql"))}


def names_for(conn: apsw.Connection, labels) -> dict[int, str]:
    """label -> what a person reads: the class name where known, else the number."""
    known = names(conn)
    return {int(label): known.get(int(label), str(int(label))) for label in labels}


def show(label: int, known: dict[int, str]) -> str:
    """One class as printed: its name where known, else its number."""
    return known.get(int(label), str(int(label)))


def _has_table(conn: apsw.Connection) -> bool:
    return bool(conn.execute(render("queries/classnames/has_table.sql")).fetchone()[0])
