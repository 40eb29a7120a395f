"""The web portal: datasette over the MiniBroker database, read-only, with object pages, lists,
filters as forms, a models page and MiniBroker's SQL functions in free SQL.

Everything it serves (templates, JavaScript, CSS) lives in this package; paths are relative to it.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
DB_NAME = "minibroker"          # the database's name in every URL: /minibroker/objects, …
