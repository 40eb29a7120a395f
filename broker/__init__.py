"""MiniBroker core: database connections, schema migrations, SQL files and the command line."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"


def default_jobs() -> int:
    """The default number of processes for the parallel commands: the machine's cores."""
    return os.cpu_count() or 1
