"""MiniBroker core: database connections, schema migrations, SQL files and the command line."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
