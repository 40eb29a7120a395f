"""The cost model that groups curves: into padded batches (:func:`buckets`) and into the work of
each process (:func:`split`).

Curves of similar lengths go together, because a batch is padded to its longest curve; the cuts
are placed by measured costs (seconds on one core), padding against per-batch overhead.
"""

from __future__ import annotations

import numpy as np

BUCKET = 96  # at most this many curves per padded batch ...
BUCKET_ELEMS = 500_000  # ... and covariance entries (curves x n**2; 4 MB per work array)
# cost model for choosing the batches (seconds, measured on one core): per batch, and per
# curve as a + b*n**2 + c*n**3 for padded length n (about 9 evaluations each)
_COST_BATCH = 1.5e-3
_COST_CURVE = (9 * 3e-6, 9 * 5.4e-9, 9 * 0.3e-9)
# whole cost of a curve of n points (fit, prediction, features), c0 + c1*n + c3*n**3 seconds on
# one core (fitted to timings): to give every process the same work
_COST_SPLIT = (1.2e-4, 1.9e-6, 2.25e-9)
MIN_PER_JOB = 16  # curves: fewer per process are not worth sending


def buckets(ns, max_size=BUCKET, max_elems=BUCKET_ELEMS):
    """Index arrays of curves with similar lengths, one per padded batch.

    Curves are sorted by length and cut where the modelled cost is least
    (dynamic programming): a batch costs a fixed ``_COST_BATCH`` (its
    rounds of numpy calls) plus, per curve, a cost growing with the padded
    length (elementwise work ~n**2, factorisations ~n**3).  Bigger batches
    mean fewer rounds, more similar lengths less padding.
    """
    order = np.argsort(ns, kind="stable")
    n = ns[order].astype(float)
    per_curve = _COST_CURVE[0] + _COST_CURVE[1] * n ** 2 + _COST_CURVE[2] * n ** 3
    N = len(n)
    best = np.zeros(N + 1)  # best[j]: cost of the first j curves
    cut = np.zeros(N + 1, dtype=int)
    for j in range(1, N + 1):
        # batch order[i:j] (i >= lo) has padded length n[j-1]
        lo = max(0, j - max_size, j - max(1, int(max_elems // n[j - 1] ** 2)))
        cost = best[lo:j] + (j - np.arange(lo, j)) * per_curve[j - 1]
        k = int(np.argmin(cost))
        best[j], cut[j] = cost[k] + _COST_BATCH, lo + k
    out = []
    while N > 0:
        out.append(order[cut[N]:N])
        N = cut[N]
    return out[::-1]


def split(ns, jobs):
    """Curve indices for ``jobs`` processes: runs of the curves sorted by length,
    of equal modelled cost.  (Each process then gets a narrow range of lengths:
    less padding and fewer batches than dealing the curves round-robin.)"""
    order = np.argsort(ns, kind="stable")
    n = ns[order].astype(float)
    c0, c1, c3 = _COST_SPLIT
    cum = np.cumsum(c0 + c1 * n + c3 * n ** 3)
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, jobs) / jobs)
    return [p for p in np.split(order, cuts) if len(p)]
