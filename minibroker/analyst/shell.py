"""The interactive analyst shell (``make sql`` without ``Q``): apsw's shell with an allow-list.

What an analyst needs, from first principles: to run read-only SQL (the connection's authorizer
decides what SQL may do), to look at the schema, to choose how results look, to bind parameters,
and help. So exactly these dot-commands are allowed; every other one is refused with one line.
None of the allowed ones writes a file, runs a program, opens another database or changes the
connection's limits (``.output``, ``.once``, ``.shell``, ``.py``, ``.backup``, ``.import``,
``.dump``, ``.read``, ``.open``, ``.load``, ``.limit``, ``.dbconfig`` … are all refused).

Box and table modes size their columns from every row: they keep at most
:data:`broker.output.MAX_TABLE_ROWS` rows (cells cut to a screen's width) and refuse more; the
other modes (list, csv, tabs, json, line …) print each row as it comes.
"""

from __future__ import annotations

import io
from pathlib import Path

import apsw
import apsw.shell

from minibroker.analyst.sql import open_readonly
from minibroker.analyst.limits import Watchdog
from minibroker.analyst.output import MAX_TABLE_ROWS

ALLOWED = {
    # reading and the schema
    "tables": "list tables and views", "schema": "show CREATE statements", "indices": "indexes of a table",
    "databases": "the attached database", "find": "search every table for a value",
    # how results look
    "mode": "output mode", "header": "column names on/off", "headers": "column names on/off",
    "nullvalue": "text for NULL", "separator": "list-mode separators", "width": "column widths",
    "colour": "colours", "echo": "echo commands", "timer": "time statements", "print": "print text",
    "prompt": "the prompt", "show": "current settings",
    # parameters
    "parameter": "bind :name values",
    # the session itself
    "help": "this help", "quit": "leave", "exit": "leave", "bail": "stop at the first error",
    "exceptions": "detailed errors", "version": "versions",
}
_CELL = 1000  # characters (or blob bytes) of one cell kept for a box/table layout


class ReadOnlyShell(apsw.shell.Shell):
    """apsw's shell on the analyst connection, with only the dot-commands in ``ALLOWED``."""

    watchdog: Watchdog | None = None
    timeout: float | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._box: list | None = None
        self._box_columns = None
        # build apsw's help table once (quietly), then keep only the allowed commands in it
        real, self.stderr = self.stderr, io.StringIO()
        try:
            super().command_help([])
        finally:
            self.stderr = real
        self._help_info = {k: v for k, v in self._help_info.items() if k in ALLOWED}

    def process_command(self, command):
        name = command.strip().split(None, 1)[0][1:] if command.strip() else ""
        if name not in ALLOWED:
            shown = " ".join("." + c for c in sorted(set(ALLOWED) - {"headers", "exit"}))
            raise self.Error(f".{name} is not available in the read-only analyst shell (allowed: {shown})")
        return super().process_command(command)

    def process_sql(self, sql, bindings=None, internal=False, summary=None):
        if self.watchdog is not None and (not internal or self.watchdog.deadline is None):
            self.watchdog.restart()  # .tables, .find … run internal SQL: limited too
        try:
            super().process_sql(sql, bindings, internal, summary)
        except apsw.InterruptError:
            if self.watchdog is not None and self.watchdog.timed_out and not self.watchdog.signalled:
                self.watchdog.timed_out = False
                raise self.Error(f"query interrupted after the {self.timeout:g} s time limit: narrow it "
                                 "or raise TIMEOUT=") from None
            raise
        finally:
            if self.watchdog is not None:
                self.watchdog.idle()
                self.watchdog.signalled = False
            self._flush_box()

    # box/table/qbox: apsw's version gathers every row; this one keeps a bounded number
    def output_box(self, header, line):
        "Outputs using line drawing and auto sizing columns"
        if header:
            self._flush_box()
            self._box_columns, self._box = line, []
            return
        if len(self._box) >= MAX_TABLE_ROWS:
            self._box = None
            raise self.Error(f"more than {MAX_TABLE_ROWS:,} rows, too many to lay out in .mode box/table: "
                             "add LIMIT, or use .mode list, csv or tabs, which print rows as they come")
        self._box.append([_short(v) for v in line])

    def _flush_box(self):
        if self._box is not None and self._box_columns is not None:
            rows, self._box = self._box, None
            apsw.shell.Shell.output_box(self, self._box_columns, rows)
        self._box = self._box_columns = None


def _short(value):
    if isinstance(value, str) and len(value) > _CELL:
        return value[:_CELL - 1] + "…"
    if isinstance(value, (bytes, memoryview)) and len(value) > _CELL:
        return f"[{len(value)} byte blob]"
    return value


def shell(db: str | Path, timeout: float | None = None) -> None:
    conn = open_readonly(db, timeout)
    sh = ReadOnlyShell(db=conn)
    sh.timeout = timeout
    with Watchdog(conn, timeout) as dog:
        conn.exec_trace = None  # the shell's cursors replace it: process_sql restarts the clock instead
        sh.watchdog = dog
        sh.cmdloop(intro=f"MiniBroker read-only SQL on {db} (functions registered; .help lists commands, .quit)")
