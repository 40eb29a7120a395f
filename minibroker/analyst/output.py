"""Query results to a text stream, in bounded memory.

``table`` lays rows out in a box, so it must see every row before printing the first: it keeps at
most ``MAX_TABLE_ROWS`` rows, each cell cut to ``CELL_WIDTH`` characters as it is read, and refuses
more with a message saying how to get them all. ``csv`` and ``tsv`` write each row as it comes
(nothing is kept), for results of any size.
"""

from __future__ import annotations

import csv
from typing import TextIO

from minibroker.core.errors import UserError

FORMATS = ("table", "csv", "tsv")
MAX_TABLE_ROWS = 10_000
CELL_WIDTH = 120


class TooManyRows(UserError):
    pass


def cell_text(value, width: int | None = CELL_WIDTH) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (bytes, memoryview)):
        return f"[{len(value)} byte blob]"
    text = str(value)
    if width is not None and len(text) > width:
        text = text[:width - 1] + "…"
    # one row, one line: control characters (newlines in a value) are shown, not obeyed
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def write_table(out: TextIO, columns: list[str], rows: list[list[str]]) -> None:
    heads = [cell_text(c) for c in columns]
    widths = [len(h) for h in heads]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    bar = "─"

    def line(cells):
        return "│ " + " │ ".join(c.ljust(w) for c, w in zip(cells, widths)) + " │\n"

    out.write("╭" + "┬".join(bar * (w + 2) for w in widths) + "╮\n")
    out.write(line(heads))
    out.write("├" + "┼".join(bar * (w + 2) for w in widths) + "┤\n")
    for row in rows:
        out.write(line(row))
    out.write("╰" + "┴".join(bar * (w + 2) for w in widths) + "╯\n")


class ResultWriter:
    """Receives statements' rows one at a time and writes them in ``fmt``."""

    def __init__(self, out: TextIO, fmt: str = "table"):
        if fmt not in FORMATS:
            raise UserError(f"unknown output format {fmt!r}: choose one of {', '.join(FORMATS)}")
        self.out = out
        self.fmt = fmt
        self.columns: list[str] | None = None
        self.rows: list[list[str]] = []
        self._csv = None
        self.any = False

    def start(self, columns: list[str]) -> None:
        self.finish()
        self.any = True
        self.columns = columns
        if self.fmt != "table":
            self._csv = csv.writer(self.out, dialect="excel" if self.fmt == "csv" else "excel-tab",
                                   lineterminator="\n")
            self._csv.writerow(columns)

    def row(self, values) -> None:
        if self._csv is not None:
            self._csv.writerow(["" if v is None else (v.hex() if isinstance(v, bytes) else v) for v in values])
            return
        if len(self.rows) >= MAX_TABLE_ROWS:
            raise TooManyRows(f"the result has more than {MAX_TABLE_ROWS:,} rows, too many to lay out as a "
                              "table: add LIMIT (or count(*) first), or stream every row with FORMAT=csv "
                              "(--format csv)")
        self.rows.append([cell_text(v) for v in values])

    def finish(self, empty_note: bool = False) -> None:
        if empty_note and not self.any and self.fmt == "table":
            self.out.write("(no rows)\n")
        if self.columns is not None and self._csv is None:
            write_table(self.out, self.columns, self.rows)
        self.columns, self.rows, self._csv = None, [], None
