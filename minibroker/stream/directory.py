"""The directory source: Avro container files (``*.avro``) in name order, each once.

A file is one batch. Its alerts are decoded by the worker processes (each takes every ``jobs``-th
block of the file; the next file's decoding overlaps this one's storing), then stored with the file's ``streamFiles`` row
in one transaction. Files already in ``streamFiles`` for the dataset are never read again, so a
restart goes on with the first file not done. Hidden files are ignored: a producer writes
``.name.avro`` and renames it when complete, so a half-written file is never read.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.stream.decode import Decoded, decode_file

PARALLEL_MIN_BYTES = 4 << 20  # smaller files decode in this process: a worker round trip costs more


def pending_files(conn, directory: str | Path, dataset: str) -> list[str]:
    done = {r[0] for r in conn.execute(render("stream/file_state.sql"), {"dataset": dataset})}
    directory = Path(directory).absolute()
    with os.scandir(directory) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(".avro") and not e.name.startswith("."))
    return [str(directory / n) for n in names if n not in done]


def arrival(path: str, since: float) -> float:
    """When a file arrived: its inode's change time (a producer's rename into the directory sets it),
    so a file that waited behind others counts its wait in the latency. A file that was there before
    the stream started (``since``) arrived at the start: replaying old files is not latency."""
    now = time.time()
    try:
        return min(now, max(since, os.stat(path).st_ctime))
    except OSError:
        return now


def file_row(path: str, dataset: str) -> dict:
    h = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
        digest = h.hexdigest()
    except OSError:
        digest, size = None, None
    return {"dataset": dataset, "name": os.path.basename(path), "path": path, "contentHash": digest,
            "sizeBytes": size}


def decoded_files(paths: list[str], jobs: int, conn=None):
    """(path, Decoded) for each path in order, without the measurements the database of ``conn``
    holds already. With worker processes, each file is split between them and the next file is
    already being decoded while the caller stores this one (a backlog is worked off with decoding
    and storing overlapped). Small files decode in this process: a worker round trip costs more."""
    if jobs <= 1 or (conn is not None and not conn.filename) or all(
            os.path.getsize(p) < PARALLEL_MIN_BYTES for p in paths):
        for path in paths:
            yield path, decode_file(path, db=conn)
        return
    from minibroker.core.workers import get_pool
    from minibroker.stream.decode import decode_file_task

    db = conn.filename if conn is not None else None
    parts = get_pool(jobs).imap(decode_file_task, ((p, k, jobs, db) for p in paths for k in range(jobs)), ahead=1)
    for path in paths:
        out = Decoded()
        for _ in range(jobs):
            out.extend(next(parts))
        yield path, out


def batches(conn, directory: str | Path, dataset: str, jobs: int, follow: bool = False, poll: float = 1.0,
            stop=lambda: False):
    """(path, received, receivedAt, decoded, file row) for each file to do, in name order; with
    ``follow``, waits for new files until ``stop()``."""
    since = time.time()
    while True:
        paths = pending_files(conn, directory, dataset)
        for path, decoded in decoded_files(paths, jobs, conn):
            received = arrival(path, since)
            yield path, received, utc_now(received), decoded, file_row(path, dataset)
        if not follow or stop():
            return
        if not paths:
            time.sleep(poll)
