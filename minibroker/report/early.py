"""Early classification: how well the stream's classifications, made again at every alert
(``predictionHistory``, placed in survey time by the ``earlyClassifications`` view), recognise each
class as a function of days since first detection and of detections so far.

Balanced accuracy per bin is the mean recall over the classes present in the bin, each classification
one sample (an object classified on several nights of a bin counts on each). A class is
*recognisable* from a bin on when its recall is at least ``threshold`` in that bin and in every later
bin, counting only bins with at least ``min_n`` classifications of the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minibroker.core.sqlfiles import render
from minibroker.loader.classnames import show

AXES = {"days": "days since first detection", "detections": "detections so far"}
THRESHOLD = 0.8
MIN_N = 10


@dataclass
class Bin:
    label: str
    lo: float
    hi: float
    n: int                   # classifications in the bin (labelled, placed at an alert)
    balanced: float          # balanced accuracy
    recall: dict[int, float] = field(default_factory=dict)   # true class -> recall
    count: dict[int, int] = field(default_factory=dict)      # true class -> classifications
    objects: dict[int, int] = field(default_factory=dict)    # true class -> distinct objects


@dataclass
class Recognition:
    label: int
    bin: str | None          # the bin from which on it is recognisable; None: never
    first_bin: str | None    # its first bin with at least min_n classifications
    best: float | None       # its best recall in such a bin
    best_bin: str | None
    later: bool = False      # its first such bin is later than the axis's first bin with classifications


def run(conn) -> tuple[int, str, int] | None:
    """(runId, model, classifications) of the latest run with labelled, placed classifications."""
    return conn.execute(render("queries/early/run.sql")).fetchone()


def counts(conn) -> dict:
    cur = conn.execute(render("queries/early/counts.sql"))
    cols = [d[0] for d in cur.getdescription()]
    return dict(zip(cols, cur.fetchone()))


def bins(conn, run_id: int, axis: str) -> list[Bin]:
    """The bins of ``axis`` ('days' or 'detections') that hold classifications, in order."""
    if axis not in AXES:
        raise ValueError(f"axis must be one of {sorted(AXES)}, not {axis!r}")
    out: dict[int, Bin] = {}
    for (b, lo, hi, label, true, n, n_obj, recall, bin_n, balanced) in conn.execute(
            render("queries/early/bins.sql"), {"runId": int(run_id), "axis": axis}):
        cur = out.setdefault(b, Bin(label, lo, hi, int(bin_n), float(balanced)))
        cur.recall[int(true)] = float(recall)
        cur.count[int(true)] = int(n)
        cur.objects[int(true)] = int(n_obj)
    return [out[k] for k in sorted(out)]


def recognition(bins_: list[Bin], threshold: float = THRESHOLD, min_n: int = MIN_N) -> list[Recognition]:
    """Per class, the earliest bin from which on its recall stays at or above ``threshold``."""
    classes = sorted({c for b in bins_ for c in b.count})
    out = []
    for c in classes:
        usable = [b for b in bins_ if b.count.get(c, 0) >= min_n]
        since = None
        for b in reversed(usable):
            if b.recall[c] < threshold:
                break
            since = b.label
        best = max(usable, key=lambda b: b.recall[c], default=None)
        out.append(Recognition(c, since, usable[0].label if usable else None,
                               best.recall[c] if best else None, best.label if best else None,
                               bool(usable) and usable[0] is not bins_[0]))
    return out


def sentence(by_axis: dict[str, list[Recognition]], names: dict[int, str],
             threshold: float = THRESHOLD, min_n: int = MIN_N) -> str:
    """One paragraph naming which classes become recognisable how early, computed from ``by_axis``."""
    days = {r.label: r for r in by_axis["days"]}
    dets = {r.label: r for r in by_axis["detections"]}
    early, never, thin = [], [], []
    for c in sorted(days):
        d, n = days[c], dets.get(c)
        name = show(c, names)
        if d.first_bin is None:
            thin.append(name)
        elif d.bin is None:
            never.append(f"{name} (best {d.best:.2f} at {d.best_bin})")
        else:
            where = f"{name} from {d.bin}"
            if n is not None and n.bin is not None:
                where += f" / {n.bin} detections"
            if d.bin == d.first_bin and d.later:
                where += " (its first bin with enough classifications: not measured earlier)"
            early.append(where)
    parts = [f"Recognisable (recall at least {threshold:g} from that bin on, counting bins with at least "
             f"{min_n} classifications of the class): " + ("; ".join(early) if early else "no class") + "."]
    if never:
        parts.append("Never reaching it: " + "; ".join(never) + ".")
    if thin:
        parts.append("Too few classifications to say: " + ", ".join(thin) + ".")
    return " ".join(parts)

