"""SQL text for the Spark path, from the project's ``sql/`` files; Jinja lays out structure only
(table and column names from the schema, the band lists), never values."""

import jinja2

from minibroker.core.sqlfiles import SQL_DIR
from minibroker.core.sqlfiles import BANDS, COLOURS

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(SQL_DIR)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)


def render(relpath: str, **structure) -> str:
    """``sql/<relpath>``; templates get the band structure plus ``structure``."""
    if relpath.endswith(".j2"):
        return _env.get_template(relpath).render(bands=BANDS, colours=COLOURS, **structure)
    return (SQL_DIR / relpath).read_text()
