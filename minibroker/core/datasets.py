"""Which datasets a database holds, and one-line errors when a command is pointed at nothing."""

import apsw

from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render


def names(conn: apsw.Connection) -> list[str]:
    return [r[0] for r in conn.execute(render("queries/loader/datasets.sql"))]


def require(conn: apsw.Connection, dataset: str | None, db: str) -> None:
    """Refuse a database with no objects, or a dataset it does not hold."""
    held = names(conn)
    if not held:
        raise UserError(f"{db} holds no objects yet: load light curves first (make load DATA=dir DB={db})")
    if dataset is not None and dataset not in held:
        raise UserError(f"no dataset {dataset!r} in {db} (it holds: {', '.join(held)}): give another DATASET=")


def only(conn: apsw.Connection, db: str) -> str:
    """The dataset when the database holds exactly one; otherwise say how to choose."""
    held = names(conn)
    if len(held) == 1:
        return held[0]
    require(conn, None, db)
    raise UserError(f"{db} holds several datasets ({', '.join(held)}): choose one with DATASET=name")
