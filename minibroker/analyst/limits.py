"""Limits that hold for analyst SQL: a time limit and Ctrl-C that stop any statement within a
second, and a memory cap with a clear message.

Why a watchdog thread and not a progress handler alone: SQLite calls a progress handler every N
virtual-machine steps, and one step can do a lot of work (``randomblob(1e9)``, a Python function,
a big sort), so "every N steps" can be minutes. The watchdog thread sleeps until the statement's
deadline or until a SIGINT arrives (Python writes the signal number to a wake-up pipe from its C
signal handler, even while the main thread is busy inside SQLite) and then calls
``Connection.interrupt()``, which SQLite checks at every jump of its virtual machine and inside
sorts. What a single step can still do is bounded by ``MAX_VALUE_BYTES``: no string or blob may
exceed it, so no one function call runs for long (``randomblob`` of 64 MiB takes ~0.3 s).

Memory: SQLite's own allocations (sorts, values, page cache) are capped by
``apsw.hard_heap_limit``; they fail with SQLITE_NOMEM beyond it. Python-side memory (rows being
formatted, MiniBroker's aggregate functions collecting a group) is capped with ``RLIMIT_AS`` set
to what the process already maps plus the same budget, so it ends in ``MemoryError``, reported in
one line; neither path retries, so nothing spins.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import threading
import time

import apsw

MAX_VALUE_BYTES = 64 * 1024 * 1024   # longest string or blob a query may build (SQLITE_LIMIT_LENGTH)
DEFAULT_MEMORY_MB = 2048             # memory budget of one analyst command (SQLite heap, and the process)


class Watchdog:
    """Interrupts ``conn``'s running statement ``seconds`` after it started, and on Ctrl-C.

    Use ``with Watchdog(conn, seconds):`` around the work; each statement restarts the clock
    (``conn.exec_trace`` is set). ``timed_out`` / ``signalled`` say which one fired."""

    def __init__(self, conn: apsw.Connection, seconds: float | None):
        self.conn = conn
        self.seconds = seconds
        self.deadline: float | None = None
        self.timed_out = False
        self.signalled = False
        self._stop = False
        self._lock = threading.Lock()
        self._read_fd = self._write_fd = None
        self._old_wakeup = None
        self._thread: threading.Thread | None = None

    # the clock: each statement gets ``seconds`` from its start
    def restart(self, *_args) -> bool:
        with self._lock:
            self.deadline = None if self.seconds is None else time.monotonic() + self.seconds
        self._poke()
        return True  # as an exec_trace: let the statement run

    def idle(self) -> None:
        with self._lock:
            self.deadline = None

    def __enter__(self) -> "Watchdog":
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        os.set_blocking(self._read_fd, False)
        if threading.current_thread() is threading.main_thread():
            # Python's C-level handler writes the signal number here even while the main thread
            # is inside SQLite; the thread below wakes on it
            self._old_wakeup = signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        self.conn.exec_trace = self.restart
        self._thread = threading.Thread(target=self._run, name="minibroker-watchdog", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop = True
        self._poke()
        self._thread.join()
        if self._old_wakeup is not None:
            signal.set_wakeup_fd(self._old_wakeup)
        self.conn.exec_trace = None
        os.close(self._read_fd)
        os.close(self._write_fd)

    def _poke(self) -> None:
        if self._write_fd is not None:
            try:
                os.write(self._write_fd, b"\0")  # 0 is no signal number: "re-read the deadline"
            except (BlockingIOError, OSError):
                pass

    def _run(self) -> None:
        while not self._stop:
            with self._lock:
                deadline = self.deadline
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._read_fd], [], [], wait)
            if ready:
                try:
                    data = os.read(self._read_fd, 512)
                except BlockingIOError:
                    data = b""
                if any(b == signal.SIGINT for b in data):
                    self.signalled = True
                    self.conn.interrupt()
                continue
            with self._lock:
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    self.timed_out = True
                    self.deadline = None
                    self.conn.interrupt()


def cap_values(conn: apsw.Connection) -> None:
    """No string or blob longer than ``MAX_VALUE_BYTES``: bounds the work of one step."""
    conn.limit(apsw.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)


def cap_memory(megabytes: int) -> None:
    """Cap this process: SQLite's heap at ``megabytes``, the address space at what is mapped now
    plus ``megabytes`` (at least; never lowered below an existing hard limit's reach)."""
    budget = megabytes * 1024 * 1024
    apsw.hard_heap_limit(budget)
    try:
        with open("/proc/self/statm") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = mapped + budget + 256 * 1024 * 1024  # room for thread stacks and interpreter growth
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft == resource.RLIM_INFINITY or want < soft:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
