"""Shared by tests/test_filters_*.py: a simulated survey loaded, featurised, trained and predicted,
and helpers to run the stream's per-batch step on it."""

import shutil
from pathlib import Path

from minibroker.database import connect
from minibroker.features.pipeline import compute
from minibroker.loader.load import list_files, load_files
from minibroker.sim.classes import CLASSES
from minibroker.sim.run import simulate

N_SIM = 180          # balanced: 30 per class
SEED = 11


def build_sim_db(directory: Path, *, train: bool = True, n: int = N_SIM, seed: int = SEED) -> Path:
    """``n`` simulated light curves (dataset 'sim', labels from #label headers), features, and with
    ``train`` a trained model whose predictions are stored."""
    data = directory / "sim"
    simulate(n, data, seed=seed, mix="balanced", jobs=1)
    path = directory / "sim.db"
    conn = connect(path)
    report = load_files(conn, list_files(data), "sim", jobs=1, progress=False)
    assert report.failed == 0
    compute(conn, jobs=1, progress=False)
    with conn:  # what migration 005 (science) fills from the simulator's class table on main
        conn.executemany("insert or replace into classNames (label, name, source) values (?, ?, 'simulator')",
                         [(c.label, c.name) for c in CLASSES])
    if train:
        from minibroker.model.predict import predict
        from minibroker.model.train import train as fit
        fit(conn, "sim", models=["rf"])
        predict(conn, "sim")
    conn.close()
    return path


def copy_db(src: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    dst = directory / "work.db"
    shutil.copy(src, dst)
    return dst


def object_ids(path: Path) -> list[int]:
    conn = connect(path, readonly=True)
    try:
        return [r[0] for r in conn.execute("select objId from objects order by objId")]
    finally:
        conn.close()


def write_filter(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.sql"
    path.write_text(text)
    return path
