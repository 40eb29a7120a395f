"""Stream filter files: ``sql/filters/NAME.sql`` whose comment header says ``-- stream: true``.

Header lines (SQL comments before or among the query; keys are lowercase)::

    -- stream: true                      run after every ingested batch
    -- deliver: jsonl                     one match per line in <deliveries>/NAME.jsonl (or a path)
    -- deliver: http http://host:port/x   POST each match as JSON
    -- deliver: kafka TOPIC               the alert with MiniBroker's annotations, Avro (filters/alert.avsc)
    -- deliver: digest                    a daily text + HTML digest per filter
    -- correct: 0,1                       true labels counted as right when measuring precision
    -- :name = value  description         a parameter and its default (as for saved selections)

The query is one read-only SELECT that returns an ``objId`` column (and may return
``diaSourceId``); it selects from the analyst's tables and views and from the temp tables of the
batch (``batchObjects``, ``batchAlerts``; filters/run.py). Files are re-read when their content
changes, so adding, editing or removing a filter needs no restart.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import apsw
import apsw.ext

from minibroker.analyst.sql import FILTERS_DIR, authorizer, typed

SINKS = ("jsonl", "http", "kafka", "digest")
_HEADER = re.compile(r"^--\s*(stream|deliver|correct)\s*:\s*(.*?)\s*$", re.MULTILINE)
_PARAM = re.compile(r"^--\s*:(\w+)\s*=\s*(\S+)", re.MULTILINE)


class FilterError(Exception):
    """A filter file that cannot run; the message is one line naming the file."""


@dataclass
class Sink:
    kind: str          # one of SINKS
    target: str        # file path, URL or topic ('' = the default for the kind)


@dataclass
class FilterSpec:
    name: str
    path: Path
    sql: str
    sha256: str
    stream: bool
    sinks: list[Sink] = field(default_factory=list)
    correct: frozenset[int] | None = None
    params: dict = field(default_factory=dict)


def parse(path: Path) -> FilterSpec:
    """The spec of one filter file; FilterError (one line naming the file) when its header is bad."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise FilterError(f"{path.name}: cannot read it ({exc})") from None
    spec = FilterSpec(path.stem, path, text, hashlib.sha256(text.encode()).hexdigest(), False)
    for key, value in _HEADER.findall(text):
        if key == "stream":
            if value.lower() not in ("true", "false"):
                raise FilterError(f"{path.name}: 'stream: {value}' must be true or false")
            spec.stream = value.lower() == "true"
        elif key == "deliver":
            kind, _, target = value.partition(" ")
            if kind not in SINKS:
                raise FilterError(f"{path.name}: unknown delivery 'deliver: {value}': use one of {', '.join(SINKS)}")
            if kind == "http" and not target.strip().startswith(("http://", "https://")):
                raise FilterError(f"{path.name}: 'deliver: http' needs a URL: deliver: http http://host:port/path")
            if kind == "kafka" and not re.fullmatch(r"[A-Za-z0-9._-]+", target.strip()):
                raise FilterError(f"{path.name}: 'deliver: kafka' needs a topic name (letters, digits, . _ -)")
            spec.sinks.append(Sink(kind, target.strip()))
        elif key == "correct":
            try:
                spec.correct = frozenset(int(v) for v in value.split(","))
            except ValueError:
                raise FilterError(f"{path.name}: 'correct: {value}' must list integer labels, e.g. correct: 0,1") from None
    spec.params = {k: typed(v) for k, v in _PARAM.findall(text)}
    return spec


def validate(conn: apsw.Connection, spec: FilterSpec) -> None:
    """Compile the query on ``conn`` (read-only, the batch's temp tables present) without running
    it: a syntax error, an unknown table or column, a write, several statements, a missing objId
    column or an undeclared parameter raise FilterError naming the file."""
    authorizer.last_denied = None
    conn.authorizer = authorizer
    try:
        info = apsw.ext.query_info(conn, spec.sql)
    except apsw.AuthError:
        raise FilterError(f"{spec.path.name}: refused: {authorizer.last_denied or 'this statement'} is not "
                          "allowed: a filter only reads") from None
    except apsw.SQLError as exc:
        if authorizer.last_denied:
            raise FilterError(f"{spec.path.name}: refused: {authorizer.last_denied} is not allowed: "
                              "a filter only reads") from None
        raise FilterError(f"{spec.path.name}: SQL error: {exc}".replace("\n", " ")) from None
    if info.first_query.strip() == "":
        raise FilterError(f"{spec.path.name}: holds no query")
    if info.query_remaining and info.query_remaining.strip(" \t\r\n;"):
        raise FilterError(f"{spec.path.name}: holds more than one statement: keep one select per file")
    if not info.is_readonly:
        raise FilterError(f"{spec.path.name}: is not a read-only query: a filter only reads")
    columns = [d[0] for d in (info.description or ())]
    if "objId" not in columns:
        raise FilterError(f"{spec.path.name}: selects no objId column: select the object's objId")
    bindings = info.bindings_names or ()
    missing = [b.lstrip(":$@") for b in bindings if b and b.lstrip(":$@") not in spec.params]
    if any(b is None for b in bindings):
        raise FilterError(f"{spec.path.name}: uses a positional parameter (?): bind parameters by :name")
    if missing:
        raise FilterError(f"{spec.path.name}: parameter :{missing[0]} has no default: add a line "
                          f"'-- :{missing[0]} = value'")


class FilterDir:
    """The stream filters of a directory, re-read when a file's mtime, size or content changes."""

    def __init__(self, directory: Path = FILTERS_DIR):
        self.directory = Path(directory)
        self._cache: dict[Path, tuple[tuple, FilterSpec | FilterError]] = {}

    def scan(self) -> list[FilterSpec | FilterError]:
        """Every ``*.sql`` file's spec (stream filters only) or its header error, in name order."""
        out, seen = [], set()
        for path in sorted(self.directory.glob("*.sql")):
            seen.add(path)
            try:
                st = path.stat()
            except OSError:
                continue  # removed meanwhile
            key = (st.st_mtime_ns, st.st_size)
            hit = self._cache.get(path)
            if hit is None or hit[0] != key:
                try:
                    item = parse(path)
                except FilterError as exc:
                    item = exc
                if hit is not None and isinstance(item, FilterSpec) and isinstance(hit[1], FilterSpec) \
                        and hit[1].sha256 == item.sha256:
                    item = hit[1]
                self._cache[path] = (key, item)
            item = self._cache[path][1]
            if isinstance(item, FilterError) or item.stream:
                out.append(item)
        for gone in set(self._cache) - seen:
            del self._cache[gone]
        return out
