"""Parse one light-curve file into columns and rejections. Pure: reads the file, never a database.

The format: ``#key:value`` header lines, then a column header line naming ``t pb flux dflux``
(found by name, in any order, widths free, extra columns ignored), then whitespace-separated
data lines. Every data line (a non-blank line after the column header that does not start
with ``#``) becomes either a row or a rejection with its 1-based line number and a reason; so
for each file, rows + rejections = data lines. Lines end at ``\n``, ``\r\n`` or ``\r`` (as
``bytes.splitlines``), and blank means ASCII whitespace only (space, tab, CR, LF, VT, FF), so the
count does not depend on Unicode rules. A file that cannot be read as a light curve at all
(unreadable, not a regular file, binary, no column header) raises ``FileRejected`` with the reason.
"""

import hashlib
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minibroker.core import bands

COLUMNS = ("t", "pb", "flux", "dflux")
PASSBANDS = frozenset(bands.ALL)
MAX_FILE_BYTES = 4 * 1024 * 1024  # a light curve of 10 years is ~100 kB; beyond this a file is refused
READ_BYTES = 1024 * 1024          # files are read in pieces of this size
MAX_TEXT = 1000  # characters of a rejected line kept in the database
ASCII_SPACE = " \t\r\n\v\f"  # what counts as blank (str.strip() would also strip Unicode spaces)
INT64 = range(-(2**63), 2**63)


class FileRejected(Exception):
    """The whole file is not a light curve; the message says why."""


@dataclass
class ParsedFile:
    path: str
    name: str
    content_hash: str
    size: int
    headers: list[tuple[int, str, str]] = field(default_factory=list)  # (line, key, value)
    t: list[float] = field(default_factory=list)
    pb: list[str] = field(default_factory=list)
    flux: list[float] = field(default_factory=list)
    dflux: list[float] = field(default_factory=list)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, reason)
    data_lines: int = 0
    bands: list[tuple[str, int, bytes, bytes, bytes]] = field(default_factory=list)  # lcBands rows

    @property
    def label(self) -> int | None:
        """The integer of a ``#label:N`` header, if any."""
        for _, key, value in self.headers:
            if key == "label":
                try:
                    label = int(value)
                except ValueError:
                    return None
                return label if value.isascii() and label in INT64 else None  # SQLite integers are 64-bit
        return None


@dataclass
class FailedFile:
    path: str
    name: str
    content_hash: str | None
    size: int | None
    reason: str


def object_name(path: str | Path) -> str:
    """``FAKE010.dat`` -> ``FAKE010``: the file name without its (last) extension."""
    return Path(path).stem


def name_text(s: str) -> str:
    """A file name or path as text to store: bytes that are not UTF-8 (decoded by Python as lone
    surrogates) become ``\\xHH``, so two names that differ in such bytes stay different (U+FFFD
    for all would make ``caf\\xe9`` and ``caf\\xe8`` one object)."""
    if s.isascii():
        return s
    return s.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


def stored_name(path: str | Path) -> str:
    """The object name a file is stored under: its name without extension, as :func:`name_text`."""
    return name_text(object_name(path))


def parse_file(path: str | Path) -> ParsedFile | FailedFile:
    """Parse ``path``; never raises on bad content (a whole-file failure is a ``FailedFile``)."""
    where = str(path)
    path, name = name_text(where), stored_name(where)  # file names need not be UTF-8
    try:
        # O_NONBLOCK: a FIFO must not hang the load; fstat on the open file: no race with a rename
        fd = os.open(where, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return FailedFile(path, name, None, None, f"cannot read: {exc.strerror or exc}")
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return FailedFile(path, name, None, None, "is a directory, not a light-curve file")
        if not stat.S_ISREG(mode):
            return FailedFile(path, name, None, None, "not a regular file (a pipe, socket or device)")
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            return _too_large(fd, path, name, size)
        pieces, got = [], 0
        while piece := os.read(fd, READ_BYTES):  # bounded pieces; stop if it grows past the limit
            pieces.append(piece)
            got += len(piece)
            if got > MAX_FILE_BYTES:
                return _too_large(fd, path, name, max(got, os.fstat(fd).st_size))
        data = b"".join(pieces)
        del pieces
    except OSError as exc:
        return FailedFile(path, name, None, None, f"cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
    digest = hashlib.sha256(data).hexdigest()
    try:
        return parse_bytes(data, path, name, digest)
    except FileRejected as exc:
        return FailedFile(path, name, digest, len(data), str(exc))


def _too_large(fd: int, path: str, name: str, size: int) -> FailedFile:
    """A recorded failure, read no further than its first piece: its identity for "unchanged since"
    is the size and the first piece's hash (hashing gigabytes, or a sparse file, would take long)."""
    os.lseek(fd, 0, os.SEEK_SET)
    head = os.read(fd, READ_BYTES)
    identity = "toolarge:" + hashlib.sha256(str(size).encode() + b":" + head).hexdigest()
    return FailedFile(path, name, identity, size, f"too large for a light curve ({size:,} bytes; the limit is "
                                                  f"{MAX_FILE_BYTES:,}): split it or check what it is")


def parse_files(paths: list[str]) -> list[ParsedFile | FailedFile]:
    """``parse_file`` over a chunk of paths (one task for a worker process)."""
    return [parse_file(p) for p in paths]


def parse_bytes(data: bytes, path: str, name: str, digest: str) -> ParsedFile:
    if b"\x00" in data:
        raise FileRejected("binary file (contains NUL bytes), not a light-curve table")
    out = ParsedFile(path, name, digest, len(data))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="surrogateescape")
    # not str.splitlines(): it also breaks lines at \v \f \x1c-\x1e \x85 \u2028 \u2029
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cols = None
    for lineno, line in enumerate(lines, 1):
        stripped = line.strip(ASCII_SPACE)
        if not stripped:
            continue
        if stripped.startswith("#"):
            if cols is None:
                key, _, value = stripped[1:].partition(":")
                out.headers.append((lineno, _clean(key.strip()), _clean(value.strip())))
            continue
        if cols is None:
            cols = _column_positions(stripped, lineno)
            ncols = len(stripped.split())
            continue
        out.data_lines += 1
        reason = _parse_row(stripped, cols, ncols, out)
        if reason is not None:
            out.rejects.append((lineno, _clean(line[:MAX_TEXT]), reason))
    if cols is None:
        raise FileRejected("no column header line naming t pb flux dflux")
    out.bands = pack_bands(out.t, out.pb, out.flux, out.dflux)
    return out


def pack_bands(t, pb, flux, dflux) -> list[tuple[str, int, bytes, bytes, bytes]]:
    """Per band: (pb, n, t, flux, dflux) as little-endian float64 bytes sorted by t (stable)."""
    if not t:
        return []
    t = np.asarray(t, dtype="<f8")
    pb = np.asarray(pb)
    flux = np.asarray(flux, dtype="<f8")
    dflux = np.asarray(dflux, dtype="<f8")
    out = []
    for band in sorted(set(pb.tolist())):
        idx = np.flatnonzero(pb == band)
        idx = idx[np.argsort(t[idx], kind="stable")]
        out.append((band, len(idx), t[idx].tobytes(), flux[idx].tobytes(), dflux[idx].tobytes()))
    return out


def _column_positions(line: str, lineno: int) -> tuple[int, int, int, int]:
    names = line.split()
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise FileRejected(
            f"line {lineno}: expected a column header naming t pb flux dflux, "
            f"found {_clean(line[:80])!r} (missing {' '.join(missing)})"
        )
    return tuple(names.index(c) for c in COLUMNS)


def _parse_row(line: str, cols, ncols: int, out: ParsedFile) -> str | None:
    """Append the row to ``out`` and return None, or return why it is rejected."""
    if len(line) > 10 * MAX_TEXT:
        return f"line too long ({len(line)} characters)"
    if _has_undecodable(line):
        return "not valid UTF-8 text"
    fields = line.split()
    if len(fields) != ncols:
        return f"expected {ncols} fields as in the column header, found {len(fields)}"
    it, ipb, iflux, idflux = cols
    values = []
    ascii_line = line.isascii()
    for col, idx in (("t", it), ("flux", iflux), ("dflux", idflux)):
        text = fields[idx]
        try:
            if "_" in text or not (ascii_line or text.isascii()):
                raise ValueError  # float() accepts '1_000' and non-ASCII digits; a table does not
            v = float(text)
        except ValueError:
            return f"{col} is not a number: {text[:40]!r}"
        if not math.isfinite(v):
            return f"{col} is not finite: {fields[idx][:40]!r}"
        values.append(v)
    t, flux, dflux = values
    band = fields[ipb]
    if band not in PASSBANDS:
        return f"unknown passband {band[:40]!r} (expected one of u g r i z y)"
    if not dflux > 0:
        return f"dflux must be > 0, found {fields[idflux][:40]!r}"
    out.t.append(t)
    out.pb.append(band)
    out.flux.append(flux)
    out.dflux.append(dflux)
    return None


def _has_undecodable(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s) if not s.isascii() else False


def _clean(s: str) -> str:
    """Text safe to store: undecodable bytes become U+FFFD."""
    return s.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
