"""Simulating objects and writing them, in parallel, reproducibly.

Reproducibility: object ``i`` (1-based) uses its own generator
``numpy.random.default_rng([seed, i])``, so its file depends only on
``(seed, i, mix, prefix)`` and the name width, never on the number of worker
processes, the chunking or the order in which chunks finish.  With
``mix="balanced"`` classes are assigned by a seeded random permutation of the
six labels within each block of six consecutive objects (exactly balanced
counts); with any other mix each object draws its class from its own
generator with the mix weights.

Parallelism: the index range is cut into chunks handed to a
pool of worker interpreters (``broker.workers``); each worker simulates and
writes its chunk and returns only counts, so memory stays bounded for any N.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import survey
from .classes import CLASSES, LABELS, NCLASSES
from .draw import DRAW
from .writer import format_header, format_table

_BALANCED_SALT = 0xBA1A  # distinguishes the class-permutation stream from object streams


@dataclass
class LightCurve:
    """One simulated object: header entries and observations (time-sorted)."""

    index: int
    label: int
    header: list
    t: np.ndarray
    band: np.ndarray
    flux: np.ndarray
    dflux: np.ndarray
    truth: dict


def parse_mix(mix) -> tuple[np.ndarray, bool]:
    """Class weights (length 6, summing to 1) and whether to balance exactly.

    ``mix`` is ``"balanced"``, ``"realistic"``, a string like
    ``"SNIa=1,AGN=2"`` (names or integer labels; unlisted classes get 0) or a
    mapping of the same.
    """
    if isinstance(mix, str) and mix == "balanced":
        return np.full(NCLASSES, 1.0 / NCLASSES), True
    if isinstance(mix, str) and mix == "realistic":
        w = np.array([c.realistic_weight for c in CLASSES])
        return w / w.sum(), False
    if isinstance(mix, str):
        items = []
        for part in mix.split(","):
            key, sep, val = part.partition("=")
            if not sep:
                raise ValueError(f"bad mix {mix!r}: use 'balanced', 'realistic' or 'NAME=W,...'")
            items.append((key.strip(), val))
        mix = dict(items)
    w = np.zeros(NCLASSES)
    for key, val in dict(mix).items():
        key = str(key)
        lab = int(key) if key.isdigit() else LABELS.get(key)
        if lab is None or not 0 <= lab < NCLASSES:
            raise ValueError(f"unknown class {key!r}; known: {', '.join(LABELS)}")
        w[lab] = float(val)
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        raise ValueError(f"bad mix weights {mix!r}")
    return w / w.sum(), False


@functools.lru_cache(maxsize=16)
def _block_permutation(seed: int, block: int) -> tuple[int, ...]:
    return tuple(np.random.default_rng([seed, block, _BALANCED_SALT]).permutation(NCLASSES).tolist())


def balanced_label(seed: int, index: int) -> int:
    """Class of object ``index`` (1-based) in the exactly balanced mix.

    Objects ``6k+1 .. 6k+6`` get a seeded random permutation of the labels.
    """
    block, pos = divmod(index - 1, NCLASSES)
    return _block_permutation(seed, block)[pos]


def object_name(prefix: str, index: int, width: int = 6) -> str:
    """Object name: prefix plus zero-padded 1-based index, e.g. ``SIM000001``."""
    return f"{prefix}{index:0{width}d}"


def name_width(n: int) -> int:
    """Digits used for names of a run with ``n`` objects (at least 6)."""
    return max(6, len(str(n)))


def simulate_object(seed: int, index: int, label: int | None = None, mix="balanced",
                    name: str | None = None) -> LightCurve:
    """Simulate object ``index`` of a run with ``seed``.

    ``label`` forces the class (otherwise it follows ``mix``).  ``name`` is
    used in ``#orig_file`` (default ``object_name("SIM", index)``).
    """
    rng = np.random.default_rng([seed, index])
    if label is None:
        weights, balanced = parse_mix(mix) if not isinstance(mix, tuple) else mix
        if balanced:
            label = balanced_label(seed, index)
        else:
            label = int(rng.choice(NCLASSES, p=weights))
    cad = survey.draw_cadence(rng)
    src = DRAW[label](rng, cad)
    flux, dflux = survey.observe(rng, cad, src.true_flux - src.ref_flux,
                                 src.true_flux + src.host_flux)
    if name is None:
        name = object_name("SIM", index)
    header = [("orig_file", f"minibroker-sim/seed={seed}/{name}"), ("ID", str(index)),
              ("type", CLASSES[label].name), ("label", str(label))] + src.header
    truth = dict(src.truth, true_flux=src.true_flux, ref_flux=src.ref_flux,
                 noise_flux=src.true_flux + src.host_flux, night=cad.night, m5=cad.m5)
    return LightCurve(index, label, header, cad.t, cad.band, flux, dflux, truth)


def _write_file(path: Path, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _write_chunk(task) -> tuple[list[int], int, int]:
    """Worker: simulate and write objects ``start..stop-1``; return counts."""
    start, stop, seed, mix, prefix, width, out_dir, stream = task
    out = Path(out_dir)
    counts = [0] * NCLASSES
    n_obs = n_files = 0
    made_dirs: set[int] = set()
    for i in range(start, stop):
        name = object_name(prefix, i, width)
        lc = simulate_object(seed, i, mix=mix, name=name)
        counts[lc.label] += 1
        n_obs += lc.t.size
        head = format_header(lc.header)
        if not stream:
            _write_file(out / f"{name}.dat", head + format_table(lc.t, lc.band, lc.flux, lc.dflux))
            n_files += 1
            continue
        night = lc.truth["night"]
        cuts = np.flatnonzero(np.diff(night)) + 1
        for sl in np.split(np.arange(night.size), cuts):
            nt = int(night[sl[0]])
            d = out / f"night_{nt}"
            if nt not in made_dirs:
                d.mkdir(exist_ok=True)
                made_dirs.add(nt)
            _write_file(d / f"{name}.dat",
                        head + format_table(lc.t[sl], lc.band[sl], lc.flux[sl], lc.dflux[sl]))
            n_files += 1
    return counts, n_obs, n_files


def _chunks(n: int, jobs: int):
    size = max(1, min(500, -(-n // (jobs * 8))))
    for start in range(1, n + 1, size):
        yield start, min(start + size, n + 1)


def simulate(n: int, out_dir, seed: int = 0, mix="balanced", jobs: int | None = None,
             prefix: str = "SIM", stream: bool = False, progress: bool = False) -> dict:
    """Simulate ``n`` light curves and write them as ``.dat`` files into ``out_dir``.

    Args:
        n: number of objects (named ``prefix`` + 1-based zero-padded index).
        out_dir: output directory (created if missing; only ``.dat`` files,
            or ``night_<MJD>/`` directories of them in stream mode, are
            written; existing files of the same name are overwritten).
        seed: random seed; same seed and arguments give byte-identical
            files whatever ``jobs`` is.
        mix: ``"balanced"``, ``"realistic"`` or ``"NAME=W,..."`` (see
            :func:`parse_mix`).
        jobs: worker processes (default: all available cores).
        prefix: object name prefix.
        stream: write per-night batches ``night_<int MJD>/<NAME>.dat`` holding
            each object's rows of that night instead of one file per object.
        progress: show a tqdm progress bar on stderr.

    Returns:
        Summary dict: ``n``, ``files``, ``observations``, ``seconds``,
        ``classes`` (name -> count), ``out_dir``, ``seed``, ``mix``, ``jobs``,
        ``stream``.
    """
    t_start = time.perf_counter()
    n = int(n)
    if n < 0:
        raise ValueError("n must be >= 0")
    parsed_mix = parse_mix(mix)
    if jobs is None:
        from minibroker.core.workers import default_jobs

        jobs = default_jobs()
    jobs = max(1, int(jobs))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    width = name_width(n)
    tasks = [(a, b, int(seed), parsed_mix, prefix, width, str(out), bool(stream))
             for a, b in _chunks(n, jobs)]

    counts = np.zeros(NCLASSES, dtype=np.int64)
    n_obs = n_files = 0
    from tqdm import tqdm

    bar = tqdm(total=n, unit="obj", disable=not progress, desc="simulating")
    try:
        if jobs == 1 or len(tasks) <= 1:
            results = map(_write_chunk, tasks)
        else:
            from minibroker.core.workers import get_pool

            results = get_pool(min(jobs, len(tasks))).imap(_write_chunk, tasks)
        for c, o, f in results:
            counts += c
            n_obs += o
            n_files += f
            bar.update(int(sum(c)))
    finally:
        bar.close()
    return dict(n=n, files=n_files, observations=int(n_obs),
                seconds=round(time.perf_counter() - t_start, 3),
                classes={c.name: int(counts[c.label]) for c in CLASSES},
                out_dir=str(out), seed=int(seed), mix=mix if isinstance(mix, str) else dict(mix),
                jobs=jobs, stream=bool(stream))
