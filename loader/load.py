"""``make load``: parse files in worker processes, write them through one connection.

Each file is written in its own savepoint (all its rows, rejections, headers and label, or
nothing of it); savepoints are grouped into large transactions for speed. Decisions per file,
keyed by (dataset, name):

- same content hash as already recorded: skipped, nothing written (reload is a no-op); still
  reported as failed if it failed before, and re-examined if it was a duplicate whose twin has
  changed since (its content would otherwise be nowhere in the database);
- same content as another file already loaded into the dataset: recorded as ``duplicate``;
- two files of one load with the same object name (``A.dat``, ``A.txt``): the first is loaded,
  the others are reported as failed and not recorded (``sourceFiles`` keys files by name);
- new or changed content: (re)loaded, replacing the object's photometry and features;
- not a light curve (binary, no column header): recorded as ``failed`` with the reason, and an
  object that an earlier version of the file created is removed;
- unreadable (permissions, vanished): recorded as ``failed`` unless an earlier version was
  loaded, which is then kept.
"""

import fnmatch
import os
import sys
import time
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import apsw
from tqdm import tqdm

from minibroker.core.workers import default_jobs
from minibroker.core.db import checkpoint
from minibroker.core.workers import get_pool
from minibroker.core.migrations import utc_now
from minibroker.core.sqlfiles import render
from minibroker.loader.parse import FailedFile, ParsedFile, parse_file, parse_files, name_text, stored_name

COMMIT_ROWS = 200_000      # rows per transaction (each file is still atomic on its own)
COMMIT_SECONDS = 2.0
CHUNK_FILES = 8            # files per task sent to a parser process ...
CHUNK_BYTES = 1024 * 1024  # ... or fewer: a task stops at the file that takes it past 1 MiB of text
CHUNKS_AHEAD = 4           # tasks waiting per parser process: 2 jobs x 4 x 8 = 64 files in flight
# what makes one file fail rather than the whole load: the database refusing its values (a
# constraint, a type, a size, an integer beyond 64 bits, text that is not UTF-8). Anything else
# (disk full, I/O error, interrupt, lock) stops the load: the open transaction rolls back.
FILE_ERRORS = (apsw.ConstraintError, apsw.MismatchError, apsw.TooBigError, OverflowError, UnicodeError)


@dataclass
class LoadReport:
    files: int = 0
    loaded: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    rows: int = 0
    rejected: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.files} files: {self.loaded} loaded, {self.unchanged} unchanged, "
            f"{self.duplicates} duplicate, {self.failed} failed; {self.rows} rows loaded, "
            f"{self.rejected} rejected in {self.seconds:.2f} s ({rate:,.0f} rows/s)"
        )


def list_files(data_dir: str | Path, pattern: str = "*") -> list[str]:
    """Paths of the entries of ``data_dir`` matching ``pattern`` (hidden ones excluded), sorted.

    Plain strings, not Path objects: the list is the one thing a load keeps per file (about 100
    bytes each, against 400 for a Path). A pattern without ``/`` is matched while the directory
    is read (``os.scandir``), so the listing does not hold every entry at once either."""
    data_dir = Path(data_dir).absolute()
    if "/" in pattern:
        return sorted(str(p) for p in data_dir.glob(pattern) if not p.name.startswith("."))
    with os.scandir(data_dir) as entries:
        return sorted(os.path.join(data_dir, e.name) for e in entries
                      if not e.name.startswith(".") and fnmatch.fnmatchcase(e.name, pattern))


def load_files(conn: apsw.Connection, paths: list[str | Path], dataset: str, *, jobs: int | None = None,
               progress: bool | None = None) -> LoadReport:
    """Parse ``paths`` with ``jobs`` worker processes (default: cores; 0: in this process) and write
    them into ``dataset``."""
    report = LoadReport(files=len(paths))
    start = time.perf_counter()
    jobs = default_jobs() if jobs is None else jobs
    disable = (not sys.stderr.isatty()) if progress is None else not progress
    # provenance records absolute paths (list_files gives them: then these are the same strings)
    paths = _one_path_per_name([p if isinstance(p, str) and os.path.isabs(p) else os.path.abspath(p)
                                for p in paths], report)
    writer = _Writer(conn, dataset, report)
    with tqdm(total=len(paths), unit="file", desc=f"load {dataset}", disable=disable) as bar:
        for parsed in _parse_all(paths, jobs):
            writer.write(parsed)
            bar.update(1)
        writer.commit()
    from minibroker.loader.classnames import from_headers

    from_headers(conn)  # class names from `#type:` headers of labelled files
    checkpoint(conn)  # leave a small WAL behind, not the size of the whole load
    report.seconds = time.perf_counter() - start
    return report


def _one_path_per_name(paths: list[str], report: LoadReport) -> list[str]:
    """The paths to load: the first of each object name; the others are reported as failed."""
    seen: set[str] = set()
    keep = []
    for p in paths:
        name = stored_name(p)  # as stored: two names stored alike are one object
        if name in seen:
            first = next(k for k in keep if stored_name(k) == name)  # rare: only to say which
            report.failed += 1
            report.failures.append((p, f"same object name {name!r} as {name_text(os.path.basename(first))} in this load "
                                       "(files are identified by name without extension): rename one"))
            continue
        seen.add(name)
        keep.append(p)
    return keep


def _parse_all(paths: list[str], jobs: int):
    """Parsed files in order. ``jobs`` worker interpreters (``broker.workers``) parse chunks of
    files while this process writes; a bounded number of chunks is in flight, so memory does not
    grow with the number of files. ``jobs=0`` parses in this process (no workers)."""
    if jobs <= 0:
        yield from map(parse_file, paths)
        return
    chunks = _chunks(paths)
    for parsed in get_pool(jobs).imap(parse_files, chunks, ahead=CHUNKS_AHEAD):
        yield from parsed


def _chunks(paths: list[str]):
    """Tasks of at most CHUNK_FILES files and about CHUNK_BYTES of text (one big file alone), so
    the parsed data in flight is bounded by bytes, not only by files (a file is at most
    ``MAX_FILE_BYTES``). Sizes come from one stat per file; a file that cannot be stat'ed counts 0
    (the parser reports it)."""
    chunk, size = [], 0
    for p in paths:
        try:
            n = os.stat(p).st_size
        except OSError:
            n = 0
        if chunk and (len(chunk) >= CHUNK_FILES or size + n > CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(p)
        size += n
    if chunk:
        yield chunk


class _Writer:
    """The single writer: groups per-file savepoints into large transactions."""

    def __init__(self, conn: apsw.Connection, dataset: str, report: LoadReport):
        self.conn = conn
        self.dataset = dataset
        self.report = report
        self.pending_rows = 0
        self.since = time.perf_counter()
        self.in_txn = False
        self._last_status = self._last_error = None  # sourceFiles status/error before this file
        self.csv_labels = conn.execute(render("queries/hardening/has_csv_labels.sql")).fetchone()[0] > 0

    def write(self, item: ParsedFile | FailedFile) -> None:
        if not self.in_txn:
            # immediate: take the write lock first (waiting the busy timeout). A deferred begin
            # would read, then fail at once with BUSY_SNAPSHOT if another writer (make features,
            # a second load) committed in between.
            self.conn.execute("begin immediate")
            self.in_txn = True
        reason = item.reason if isinstance(item, FailedFile) else None
        try:
            with self.conn:  # a savepoint: this file entirely, or nothing of it
                outcome = self._write_one(item)
                if outcome == "unchanged" and self._last_status == "failed":
                    outcome, reason = "failed", self._last_error  # still bad: keep saying so
        except FILE_ERRORS as exc:  # a value the parser did not foresee: record the file as failed
            reason = f"database refused the file: {exc}"
            with self.conn:
                self._record_failure(item, reason)
            outcome = "failed"
        self._count(item, outcome, reason)
        if self.pending_rows >= COMMIT_ROWS or time.perf_counter() - self.since >= COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        if self.in_txn:
            self.conn.execute("commit")
            self.in_txn = False
        self.pending_rows = 0
        self.since = time.perf_counter()

    def _count(self, item, outcome: str, reason: str | None) -> None:
        r = self.report
        if outcome == "loaded":
            r.loaded += 1
            r.rows += len(item.t)
            r.rejected += len(item.rejects)
            self.pending_rows += len(item.t) + len(item.rejects)
        elif outcome == "unchanged":
            r.unchanged += 1
        elif outcome == "duplicate":
            r.duplicates += 1
        else:
            r.failed += 1
            r.failures.append((item.path, reason))

    def _write_one(self, item) -> str:
        q = {"dataset": self.dataset, "name": item.name}
        existing = self.conn.execute(render("queries/loader/source_file.sql"), q).fetchone()
        self._last_status, self._last_error = (existing[2], existing[3]) if existing else (None, None)
        if existing and item.content_hash is not None and existing[1] == item.content_hash:
            if existing[2] != "duplicate" or self._twin(item):
                return "unchanged"
            # a duplicate whose twin changed since: its content must now be loaded itself
        if isinstance(item, FailedFile):
            self._record_failure(item, item.reason, existing)
            return "failed"
        twin = self._twin(item)
        if twin:
            self.conn.execute(render("queries/loader/delete_object.sql"), q)
            file_id = self._upsert_source(item, "duplicate", f"same content as {twin[0]} ({twin[1]})")
            self.conn.execute(render("queries/loader/delete_rejects.sql"), {"fileId": file_id})
            return "duplicate"
        file_id = self._upsert_source(item, "loaded", None, len(item.t), len(item.rejects))
        self.conn.execute(render("queries/loader/delete_rejects.sql"), {"fileId": file_id})
        obj = self.conn.execute(render("queries/loader/find_object.sql"), q).fetchone()
        if obj:
            obj_id = obj[0]
            self.conn.execute(render("queries/loader/clear_object.sql"), {"objId": obj_id, "fileId": file_id})
        else:
            obj_id = self.conn.execute(render("queries/loader/insert_object.sql"), {**q, "fileId": file_id}).fetchone()[0]
        self.conn.executemany(render("queries/loader/insert_header.sql"),
                              [(obj_id, line, key, value) for line, key, value in item.headers])
        self.conn.executemany(render("queries/loader/insert_rawphot.sql"),
                              zip(repeat(obj_id), item.t, item.pb, item.flux, item.dflux))
        self.conn.executemany(render("queries/loader/insert_bands.sql"),
                              [(obj_id, *band) for band in item.bands])
        self.conn.executemany(render("queries/loader/insert_reject.sql"),
                              [(file_id, line, text, reason) for line, text, reason in item.rejects])
        label = item.label
        if label is not None:
            self.conn.execute(render("queries/loader/insert_label.sql"),
                              {"objId": obj_id, "label": label, "source": "header"})
        if self.csv_labels:
            self.conn.execute(render("queries/hardening/restore_csv_label.sql"), {**q, "objId": obj_id})
        return "loaded"

    def _twin(self, item):
        """(name, path) of another file of the dataset loaded with this content, or None."""
        return self.conn.execute(render("queries/loader/loaded_with_hash.sql"), {
            "dataset": self.dataset, "name": item.name, "contentHash": item.content_hash}).fetchone()

    def _record_failure(self, item, reason: str, existing=None) -> None:
        if existing is None:
            existing = self.conn.execute(render("queries/loader/source_file.sql"),
                                         {"dataset": self.dataset, "name": item.name}).fetchone()
        if item.content_hash is None and existing and existing[2] == "loaded":
            return  # unreadable now, loaded before: keep what we have (reported, not recorded)
        self.conn.execute(render("queries/loader/delete_object.sql"), {"dataset": self.dataset, "name": item.name})
        file_id = self._upsert_source(item, "failed", reason)
        self.conn.execute(render("queries/loader/delete_rejects.sql"), {"fileId": file_id})

    def _upsert_source(self, item, status: str, error: str | None, rows: int = 0, rejected: int = 0) -> int:
        return self.conn.execute(render("queries/loader/upsert_source_file.sql"), {
            "dataset": self.dataset, "name": item.name, "path": item.path,
            "contentHash": item.content_hash, "sizeBytes": item.size, "status": status, "error": error,
            "rowsLoaded": rows, "rowsRejected": rejected, "loadedAt": utc_now(),
        }).fetchone()[0]
