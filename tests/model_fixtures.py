"""Shared by tests/test_model_*.py: databases built with the real library, and a light-curve simulator."""

from pathlib import Path

import numpy as np

from minibroker.database import connect
from minibroker.features.pipeline import compute
from minibroker.loader.labels import load_labels
from minibroker.loader.load import list_files, load_files

from conftest import REAL_DIR, REAL_LABELS  # noqa: F401 (re-exported for the model tests)
REAL = "train"
BANDS = "griz"


def build_real_db(path: Path):
    """The original exercise's 100 light curves and their labels, features computed."""
    conn = connect(path)
    load_files(conn, list_files(REAL_DIR), REAL, jobs=1, progress=False)
    load_labels(conn, REAL_LABELS, REAL)
    compute(conn, progress=False)
    return conn


def simulate(directory: Path, n_per_class: int, seed: int, *, prefix: str = "SIM", outlier: bool = False,
             label_header: bool = True) -> list[Path]:
    """Three clearly different classes of griz light curves, ``#label:N`` headers:
    0 flat (constant + noise), 1 periodic (sinusoid), 2 burst (a fast-rise transient);
    ``outlier`` adds one unlabelled object ``<prefix>OUT`` that is wildly bright and variable."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    k = 0
    for label in (0, 1, 2):
        for _ in range(n_per_class):
            k += 1
            paths.append(_write(directory / f"{prefix}{k:04d}.dat", rng, label, label if label_header else None))
    if outlier:
        paths.append(_write(directory / f"{prefix}OUT.dat", rng, "outlier", None))
    return paths


def _write(path: Path, rng, kind, label) -> Path:
    t = np.sort(rng.uniform(0, 200, 40))
    rows = []
    for i, band in enumerate(BANDS):
        tb = t + 0.01 * i
        if kind == 0:
            flux = np.full_like(tb, rng.uniform(20, 50) * (1 + 0.1 * i))
        elif kind == 1:
            period, phase = rng.uniform(3, 15), rng.uniform(0, 2 * np.pi)
            flux = 40 + rng.uniform(30, 60) * np.sin(2 * np.pi * tb / period + phase)
        elif kind == 2:
            t0 = rng.uniform(40, 120)
            dt = tb - t0
            flux = np.where(dt < 0, 0.0, rng.uniform(150, 300) * np.exp(-dt / rng.uniform(10, 30)) * (1 - np.exp(-dt / 2)))
            flux = flux * (1.2 - 0.15 * i) + 5
        else:  # the outlier: huge, noisy and strongly negative in some bands
            flux = rng.normal(0, 5000, tb.size) * (-1) ** i + 20000 * (i % 2)
        dflux = np.full_like(tb, 5.0)
        flux = flux + rng.normal(0, 5.0, tb.size)
        rows += [(a, band, b, c) for a, b, c in zip(tb, flux, dflux)]
    rows.sort()
    lines = [f"#ID:{path.stem}"]
    if label is not None:
        lines.append(f"#label:{label}")
    lines.append("t pb flux dflux")
    lines += [f"{a:.5f} {band} {b:.4f} {c:.4f}" for a, band, b, c in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def sim_db(path: Path, directory: Path, datasets: dict[str, dict]):
    """Load each {dataset: simulate() keyword arguments} into one database and compute features."""
    conn = connect(path)
    for name, kwargs in datasets.items():
        paths = simulate(directory / name, **kwargs)
        load_files(conn, paths, name, jobs=1, progress=False)
    compute(conn, progress=False)
    return conn
