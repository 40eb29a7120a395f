"""MiniBroker's connections: the core's connection policies plus MiniBroker's SQL functions (udf)."""

from pathlib import Path

import apsw

from minibroker.core import db as core_db
from minibroker.udf.registry import register


def connect(path: str | Path, *, readonly: bool = False) -> apsw.Connection:
    """``core.db.connect`` with every SQL function of ``udf`` registered (writers: schema up to date)."""
    return core_db.connect(path, readonly=readonly, functions=register)
