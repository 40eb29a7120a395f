"""Helpers for the reliability tests (tests/test_reliability_*.py): an independent data-line
counter, database dumps and consistency checks, a scanner for SQL built by string formatting, and
subprocess runners for the command line."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import apsw

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
MINIBROKER = [sys.executable, "-m", "broker.cli"]

# ---------------------------------------------------------------- data lines, counted independently


def data_lines(data: bytes) -> int | None:
    """Data lines of a light-curve file by the definition alone, on bytes: lines end at \\n, \\r\\n
    or \\r; after a leading UTF-8 BOM, lines that are blank (ASCII whitespace) or start with '#'
    (after leading whitespace) are skipped; the first remaining line is the column header and
    every later remaining line is a data line. None when there is no column header."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    seen_header = False
    n = 0
    for line in data.splitlines():
        s = line.strip(b" \t\r\n\v\f")
        if not s or s.startswith(b"#"):
            continue
        if seen_header:
            n += 1
        seen_header = True
    return n if seen_header else None


def has_column_header(data: bytes) -> bool:
    """Whether the first line that is neither blank nor '#' names the columns t pb flux dflux."""
    for line in data.removeprefix(b"\xef\xbb\xbf").splitlines():
        s = line.strip(b" \t\r\n\v\f")
        if s and not s.startswith(b"#"):
            return {b"t", b"pb", b"flux", b"dflux"} <= set(s.split())
    return False


# ---------------------------------------------------------------- database state


def connect_plain(path) -> apsw.Connection:
    """A plain read-only connection (no MiniBroker policies: the checks must not rely on them)."""
    return apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)


TIME_COLUMNS = {"loadedAt", "appliedAt", "createdAt", "trainedAt", "computedAt"}


def dump(conn, skip_tables=()) -> dict[str, list]:
    """Every table's rows in key order, time columns excluded: two equal dumps are equal states.
    (Identifiers come from sqlite_schema, quoted: this is test code, see test_no_sql_formatting.)"""
    out = {}
    tables = [r[0] for r in conn.execute(
        "select name from sqlite_schema where type = 'table' and name not like 'sqlite_%' order by name")]
    for t in tables:
        if t in skip_tables:
            continue
        cols = [r[0] for r in conn.execute("select name from pragma_table_info(?)", (t,))
                if r[0] not in TIME_COLUMNS]
        cols_sql = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
        table_sql = '"' + t.replace('"', '""') + '"'
        out[t] = sorted(conn.execute("select " + cols_sql + " from " + table_sql).fetchall(), key=repr)
    return out


def check_consistent(conn) -> None:
    """integrity_check, foreign_key_check, and every file complete: for each sourceFiles row,
    rawPhot/lcBands/rejects agree with its recorded counts."""
    assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert conn.execute("pragma foreign_key_check").fetchall() == []
    bad = conn.execute("""
        with phot as (select objId, count(*) as n from rawPhot group by objId),
             bands as (select objId, sum(n) as n from lcBands group by objId),
             rej as (select fileId, count(*) as n from rejects group by fileId)
        select s.name, s.status, s.rowsLoaded, s.rowsRejected,
               coalesce(phot.n, 0), coalesce(bands.n, 0), coalesce(rej.n, 0), o.objId
        from sourceFiles s
        left join objects o on o.dataset = s.dataset and o.name = s.name
        left join phot on phot.objId = o.objId
        left join bands on bands.objId = o.objId
        left join rej on rej.fileId = s.fileId
        where (s.status = 'loaded' and (o.objId is null or o.fileId is not s.fileId
                                        or coalesce(phot.n, 0) != s.rowsLoaded
                                        or coalesce(bands.n, 0) != s.rowsLoaded
                                        or coalesce(rej.n, 0) != s.rowsRejected))
           or (s.status != 'loaded' and (o.objId is not null or coalesce(rej.n, 0) != 0))
    """).fetchall()
    assert bad == [], bad
    orphans = conn.execute("""select count(*) from objects o where fileId is null
                              or not exists (select 1 from sourceFiles s where s.fileId = o.fileId
                                             and s.status = 'loaded')""").fetchone()[0]
    assert orphans == 0


# ---------------------------------------------------------------- SQL built by string formatting

SHIPPED_PACKAGES = ("broker", "loader", "udf", "model", "gp", "report", "sim", "bench", "portal")
_SQL = re.compile(
    r"\bselect\b[\s\S]*\bfrom\b|\binsert\s+(or\s+\w+\s+)?into\b|\breplace\s+into\b|\bupdate\s+\S+\s+set\b"
    r"|\bdelete\s+from\b|\bcreate\s+(temp\s+|temporary\s+|unique\s+|virtual\s+)?(table|view|index|trigger)\b"
    r"|\bdrop\s+(table|view|index|trigger)\b|\balter\s+table\b|\bpragma\s+[\w{]|\battach\s+(database\s+)?['\"{]"
    r"|\bwhere\s+\S+\s*(=|in\b|like\b)|\bvalues\s*\(",
    re.IGNORECASE,
)


_START = re.compile(r"^[\s(]*(\{\}\s*)?(select|insert|update|delete|create|drop|alter|pragma|attach|detach|with"
                    r"|replace|values|vacuum|explain|where|and|or|order|group|limit|set|from|join|left|on)\b",
                    re.IGNORECASE)
_CLAUSE = re.compile(r"^[\s(]*(where|and|or|order|group|limit|set|from|join|left|on)\b[^\n]*"
                     r"(=|<|>|\bin\b|\blike\b|\bis\b|\bby\b|\bjoin\b)", re.IGNORECASE)


def looks_like_sql(text: str) -> bool:
    """A statement or clause: begins with an SQL word and has SQL's shape (so messages that merely
    mention SQL, like "a view file must hold one 'create view … as' statement", do not count)."""
    return bool(_START.match(text)) and bool(_SQL.search(text) or _CLAUSE.match(text))


def _literal_text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def sql_formatting_offenders(files) -> list[str]:
    """``path:line: how`` for each string that looks like SQL and is built by an f-string,
    ``.format()``, ``%`` or ``+`` with a non-literal."""
    found = []
    for path in files:
        tree = ast.parse(Path(path).read_text(), str(path))
        for node in ast.walk(tree):
            how, text = None, None
            if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
                how, text = "f-string", _literal_text(node)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "format" and _literal_text(node.func.value) is not None):
                how, text = ".format()", _literal_text(node.func.value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _literal_text(node.left):
                how, text = "% formatting", _literal_text(node.left)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                sides = [_literal_text(node.left), _literal_text(node.right)]
                if any(s is None for s in sides) and any(s for s in sides):
                    how, text = "+ concatenation", next(s for s in sides if s)
            if how and text and looks_like_sql(text):
                found.append(f"{Path(path).relative_to(ROOT)}:{node.lineno}: SQL built by {how}: {text[:70]!r}")
    return sorted(set(found))


def shipped_python_files() -> list[Path]:
    return sorted(p for pkg in SHIPPED_PACKAGES if (ROOT / pkg).is_dir()
                  for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts)


# ---------------------------------------------------------------- command line


def run_cli(*args, timeout=120, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*MINIBROKER, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
