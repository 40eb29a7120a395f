"""A small persistent pool of worker *interpreters*, shared by the loader's parsers and the GP fits.

Each worker is ``python -m minibroker.core.workers`` started with :mod:`subprocess` (exec, not fork), talking
pickles over its stdin/stdout; a task names a module-level function and its arguments.
Why not :mod:`multiprocessing`:

* ``fork`` copies the parent's open apsw/SQLite connections, held locks and BLAS thread pools
  into the child (undefined behaviour for SQLite);
* ``forkserver``/``spawn`` re-run the caller's ``__main__`` in every worker, which breaks any
  script without an ``if __name__ == "__main__"`` guard;
* a ``Pool`` left to ``__del__`` at interpreter exit prints ``'NoneType' object has no attribute
  'dumps'``.

Here workers inherit nothing but stderr (``close_fds``), import only what their tasks need, and are
closed by
:func:`shutdown` (registered with :mod:`atexit`): stdin is closed, the worker sees EOF and exits.
If the parent dies, the same EOF ends the workers.
"""

from __future__ import annotations

import atexit
import collections
import os
import pickle
import subprocess
import sys
import threading

_PROTOCOL = pickle.HIGHEST_PROTOCOL


def default_jobs() -> int:
    """The default number of processes for the parallel commands: the machine's cores."""
    return os.cpu_count() or 1


class WorkerError(RuntimeError):
    """A worker raised: the message holds its traceback."""


class Pool:
    """``jobs`` worker interpreters; :meth:`map` sends one task to each and gathers the results."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"  # small matrices: BLAS threads only fight over the cores
        self._procs = [
            subprocess.Popen([sys.executable, "-m", "minibroker.core.workers"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, close_fds=True, env=env)
            for _ in range(jobs)
        ]
        self._lock = threading.Lock()

    def map(self, func, tasks):
        """``[func(*t) for t in tasks]`` over the workers, at most ``jobs`` tasks at a time."""
        results = [None] * len(tasks)
        with self._lock:
            for start in range(0, len(tasks), self.jobs):
                batch = list(enumerate(tasks[start:start + self.jobs], start))
                for (i, args), proc in zip(batch, self._procs):
                    pickle.dump((func.__module__, func.__qualname__, args), proc.stdin, _PROTOCOL)
                    proc.stdin.flush()
                for (i, _), proc in zip(batch, self._procs):
                    results[i] = self._receive(proc)
        return results

    def imap(self, func, items, ahead: int = 4):
        """``func(item)`` for each item, yielded in order as they finish. Item i goes to worker
        i % jobs; at most ``ahead`` tasks wait per worker, so memory does not grow with the number
        of items. A consumer that stops early leaves workers mid-task: the pool is then killed
        (the next :func:`get_pool` starts a new one)."""
        with self._lock:
            items = iter(items)
            pending: collections.deque = collections.deque()
            sent = 0

            def submit() -> None:
                nonlocal sent
                for item in items:
                    proc = self._procs[sent % self.jobs]
                    pickle.dump((func.__module__, func.__qualname__, (item,)), proc.stdin, _PROTOCOL)
                    proc.stdin.flush()
                    pending.append(proc)
                    sent += 1
                    return

            for _ in range(ahead * self.jobs):
                submit()
            try:
                while pending:
                    value = self._receive(pending[0])
                    pending.popleft()
                    submit()
                    yield value
            finally:
                if pending:
                    self.kill()

    def _receive(self, proc):
        try:
            ok, value = pickle.load(proc.stdout)
        except EOFError:
            raise WorkerError(f"worker {proc.pid} died (exit code {proc.poll()})") from None
        if not ok:
            raise WorkerError(value)
        return value

    def kill(self):
        for proc in self._procs:
            proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                try:
                    pipe.close()
                except OSError:  # pragma: no cover
                    pass
        self._procs = []

    def close(self):
        for proc in self._procs:
            try:
                proc.stdin.close()
            except OSError:  # pragma: no cover
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()
            proc.stdout.close()
        self._procs = []

    def alive(self) -> bool:
        return bool(self._procs) and all(p.poll() is None for p in self._procs)


_POOL: dict[int, Pool] = {}
_ATEXIT: list[bool] = []


def get_pool(jobs: int) -> Pool:
    """The persistent pool of ``jobs`` workers (started on first use, replaced if one died)."""
    pool = _POOL.get(jobs)
    if pool is None or not pool.alive():
        shutdown()
        pool = Pool(jobs)
        _POOL[jobs] = pool
        if not _ATEXIT:
            atexit.register(shutdown)
            _ATEXIT.append(True)
    return pool


def running(jobs: int) -> bool:
    """True if a live pool of ``jobs`` workers exists (no new one is started)."""
    pool = _POOL.get(jobs)
    return pool is not None and pool.alive()


def shutdown() -> None:
    """Close the worker pool (safe to call any time; registered with atexit)."""
    while _POOL:
        _, pool = _POOL.popitem()
        pool.close()


def _serve() -> int:  # pragma: no cover - runs in the worker interpreters
    import importlib
    import traceback

    import signal

    # Ctrl-C reaches the whole process group: the parent decides (it closes our stdin, we see EOF
    # and leave); a worker printing its own KeyboardInterrupt traceback would only be noise
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the pipe
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    except Exception:
        pass
    while True:
        try:
            module, name, args = pickle.load(inp)
        except EOFError:
            return 0
        try:
            func = importlib.import_module(module)
            for part in name.split("."):
                func = getattr(func, part)
            reply = (True, func(*args))
        except BaseException:
            reply = (False, traceback.format_exc())
        pickle.dump(reply, out, _PROTOCOL)
        out.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_serve())
