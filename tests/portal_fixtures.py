"""Shared by tests/test_portal_*.py: the portal's test database (built once per session from the
real light curves with the real pipeline), the server started as ``minibroker serve`` in a
subprocess, and Debian's Chromium driven by Playwright (no browser download)."""

import math
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from minibroker.database import connect
from minibroker.features.pipeline import compute
from conftest import REAL_DIR, REAL_LABELS, write_lc
from minibroker.loader.labels import load_labels
from minibroker.loader.load import list_files, load_files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
PERIOD = 0.6    # the #period: header of the generated periodic object ODD_PERIODIC
_built: dict = {}


def write_odd_files(directory: Path) -> list[Path]:
    """Two generated objects: ODD_PERIODIC (a sinusoid with a #period: header, one line with an
    unknown band and one with a non-positive error, i.e. two rejects) and ODD_FLAT."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(60000, 60100, 120))
    rows = [(f"{a:.5f}", "gri"[k % 3], f"{100 + 50 * math.sin(2 * math.pi * a / PERIOD):.4f}", "3.0")
            for k, a in enumerate(t)]
    rows.insert(10, ("60010.5", "q", "12.0", "1.0"))
    rows.insert(20, ("60020.5", "g", "12.0", "0"))
    write_lc(directory / "ODD_PERIODIC.dat", rows, headers={"ID": "ODD_PERIODIC", "type": "Periodic", "label": 7, "period": PERIOD})
    flat = [(f"{a:.5f}", "r", f"{20 + rng.normal(0, 2):.4f}", "2.0") for a in t[:30]]
    write_lc(directory / "ODD_FLAT.dat", flat, headers={"ID": "ODD_FLAT"})
    return sorted(directory.glob("*.dat"))


def build_portal_db(tmp_path_factory) -> Path:
    """The real training set (dataset 'train': labels, features, a random forest trained and
    predicting, anomaly ranks, GP fits) and two generated objects (dataset 'odd')."""
    if "db" in _built:
        return _built["db"]
    from minibroker.gp.store import compute as gp_compute
    from minibroker.model.anomalies import score
    from minibroker.model.predict import predict
    from minibroker.model.train import train

    root = tmp_path_factory.mktemp("portal")
    path = root / "portal.db"
    conn = connect(path)
    assert load_files(conn, list_files(REAL_DIR), "train", jobs=0, progress=False).failed == 0
    load_labels(conn, REAL_LABELS, "train")
    assert load_files(conn, write_odd_files(root / "odd"), "odd", jobs=0, progress=False).failed == 0
    compute(conn, progress=False)
    train(conn, "train", models=["rf"])
    predict(conn, "train")
    score(conn, "train", top=None)
    gp_compute(conn, "train", n_grid=50, jobs=1, progress=False)
    conn.close()
    _built["db"] = path
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``minibroker serve`` in a subprocess on a free loopback port; waits until it answers."""

    def __init__(self, db: Path, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "minibroker.app.cli", "serve", "--db", str(db),
                                      "--port", str(self.port), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"minibroker serve exited {self.proc.returncode}: {self.proc.stdout.read()}")
            try:
                with urllib.request.urlopen(self.url + "/-/versions.json", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError("minibroker serve did not answer within 60 s")
                time.sleep(0.2)

    def get(self, path: str, timeout: float = 30) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def launch_chromium(playwright):
    """Debian's chromium (never a downloaded browser); a missing one fails loudly."""
    if not Path(CHROMIUM).is_file():
        raise AssertionError(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
