"""MiniBroker: a single-file astronomical alert broker (one SQLite database)."""

__version__ = "0.2.0"
