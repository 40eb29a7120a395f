"""The one clock the project writes into the database."""

from datetime import datetime, timezone


def utc_now() -> str:
    """Now in UTC as ISO 8601 to the second (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
