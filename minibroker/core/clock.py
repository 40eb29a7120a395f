"""The one clock the project writes into the database."""

from datetime import datetime, timezone


def utc_now(at: float | None = None) -> str:
    """Now (or the Unix time ``at``) in UTC as ISO 8601 to the second (sorts as text)."""
    when = datetime.now(timezone.utc) if at is None else datetime.fromtimestamp(at, timezone.utc)
    return when.isoformat(timespec="seconds")
