"""Run a command as a subprocess: wall time around the process and peak memory of its tree.

Memory: a sampler thread walks the process tree (the command and every descendant, found
through ``/proc/*/stat`` parent ids, so the loader's worker interpreters are included) every ``interval`` seconds and reads each process's ``VmHWM``
(the kernel's own peak-RSS counter for that process, exact up to the last sample) and
``VmRSS``. Reported, in MiB:

- ``main_peak_mib``: the command's own process (``VmHWM``, sampled; not ``wait4``'s
  ``ru_maxrss``, which on Linux includes the parent's memory at fork/exec time);
- ``workers_max_mib``: the largest peak of any descendant process (the worker interpreters);
- ``workers_sum_mib``: the sum of the descendants' peaks (an upper bound of their joint use);
- ``tree_peak_mib``: the largest *simultaneous* sum of RSS over the tree seen by the sampler.

A process that lives less than one interval may be missed; the loader's workers live for the
whole run.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field


@dataclass
class ProcResult:
    argv: list[str]
    returncode: int
    seconds: float
    stdout: str
    stderr: str
    main_peak_mib: float | None = None
    workers_max_mib: float | None = None
    workers_sum_mib: float | None = None
    workers_seen: int = 0
    tree_peak_mib: float | None = None
    samples: int = 0
    extra: dict = field(default_factory=dict)

    def asdict(self) -> dict:
        d = asdict(self)
        d["stdout"] = d["stdout"][-2000:]
        d["stderr"] = d["stderr"][-2000:]
        return d


def _status_kib(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in KiB, or None once the process is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    hwm = rss = None
    for line in text.splitlines():
        if line.startswith(b"VmHWM:"):
            hwm = int(line.split()[1])
        elif line.startswith(b"VmRSS:"):
            rss = int(line.split()[1])
    if hwm is None or rss is None:
        return None
    return hwm, rss


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
        rest = stat[stat.rfind(b")") + 2:].split()
        try:
            out[int(entry.name)] = int(rest[1])
        except (IndexError, ValueError):
            continue
    return out


def _descendants(root: int) -> list[int]:
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out, stack = [], [root]
    while stack:
        for c in children.get(stack.pop(), []):
            out.append(c)
            stack.append(c)
    return out


class _Sampler(threading.Thread):
    def __init__(self, root: int, interval: float):
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.stop = threading.Event()
        self.hwm: dict[int, int] = {}
        self.tree_peak = 0
        self.samples = 0

    def run(self) -> None:
        have_proc = os.path.isdir("/proc")
        while have_proc and not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)

    def sample(self) -> None:
        total = 0
        for pid in [self.root, *_descendants(self.root)]:
            st = _status_kib(pid)
            if st is None:
                continue
            hwm, rss = st
            self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
            total += rss
        self.tree_peak = max(self.tree_peak, total)
        self.samples += 1


def run(argv: list[str], *, interval: float = 0.05, env: dict | None = None, check: bool = True,
        cwd: str | None = None) -> ProcResult:
    """Run ``argv``; time it from spawn to reaped exit and sample its tree's memory."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    sampler = _Sampler(p.pid, interval)
    sampler.start()
    # read the pipes in threads so a chatty command never blocks
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [threading.Thread(target=lambda f, acc: acc.append(f.read()), args=(p.stdout, out_chunks), daemon=True),
               threading.Thread(target=lambda f, acc: acc.append(f.read()), args=(p.stderr, err_chunks), daemon=True)]
    for r in readers:
        r.start()
    _, status = os.waitpid(p.pid, 0)
    seconds = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop.set()
    sampler.join()
    for r in readers:
        r.join()
    p.stdout.close()
    p.stderr.close()
    hwm = dict(sampler.hwm)
    # VmHWM only: wait4's ru_maxrss also counts the harness's own memory, which Linux carries over
    # into the child's high-water mark across fork/vfork + exec (the harness holds the ceiling's
    # parsed tuples, so that figure grew with the data size and said nothing about the command)
    main_kib = hwm.pop(p.pid, 0)
    workers = list(hwm.values())
    res = ProcResult(
        argv=[str(a) for a in argv], returncode=p.returncode, seconds=seconds,
        stdout=b"".join(out_chunks).decode(errors="replace"), stderr=b"".join(err_chunks).decode(errors="replace"),
        main_peak_mib=main_kib / 1024,
        workers_max_mib=(max(workers) / 1024) if workers else None,
        workers_sum_mib=(sum(workers) / 1024) if workers else None,
        workers_seen=len(workers),
        tree_peak_mib=sampler.tree_peak / 1024 if sampler.samples else None,
        samples=sampler.samples,
    )
    if check and res.returncode != 0:
        raise RuntimeError(f"command failed ({res.returncode}): {' '.join(res.argv)}\n{res.stderr[-2000:]}")
    return res
