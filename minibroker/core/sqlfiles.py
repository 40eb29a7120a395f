"""Reading the project's SQL files; Jinja renders structure (per-band columns), never values."""

from functools import lru_cache
from pathlib import Path

import jinja2

# sql/ travels inside the installed package (minibroker/sql: in the source tree a link to ../sql)
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

from minibroker.core.bands import COLOURS, FEATURE_BANDS as BANDS

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(SQL_DIR)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)


def render(relpath: str, **structure) -> str:
    """The SQL text of ``sql/<relpath>``; ``.sql.j2`` templates get the band structure, plus
    ``structure`` (names and switches of structure only, never values: those are bound parameters)."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in structure.items()))
    return _render(relpath, frozen)


@lru_cache(maxsize=None)
def _render(relpath: str, structure: tuple) -> str:
    if relpath.endswith(".j2"):
        return _env.get_template(relpath).render(bands=BANDS, colours=COLOURS, **dict(structure))
    return (SQL_DIR / relpath).read_text()
