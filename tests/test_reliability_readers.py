"""Promise 3, readers during writes: analysts reading (read-only connections from core_db.connect)
while `minibroker load` and `minibroker features` write never see a partially loaded object or
half-computed features, never get "database is locked", and the WAL stays bounded (the checkpoint
policy in minibroker.core.db: passive autocheckpoints, journal_size_limit, a truncating checkpoint at the
end of a load)."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import apsw
import numpy as np
import pytest

from minibroker.core import db as core_db
from minibroker.loader import load as loader_load
from minibroker.core.db import checkpoint
from minibroker.database import connect
from minibroker.core.errors import UserError
from conftest import random_rows, write_lc
from minibroker.loader.load import list_files, load_files
from reliability_helpers import ROOT

# whole-object consistency, one statement (so one snapshot): loaded files whose rows, packed bands
# or rejections disagree with sourceFiles, and objects whose features are half there
INCONSISTENT = """
with phot as (select objId, count(*) as n from rawPhot group by objId),
     bands as (select objId, sum(n) as n, sum(pb in ('g', 'r', 'i', 'z')) as griz from lcBands group by objId),
     stats as (select objId, count(*) as n from lcBandStats group by objId),
     rej as (select fileId, count(*) as n from rejects group by fileId)
select 'file', s.name from sourceFiles s
join objects o on o.dataset = s.dataset and o.name = s.name
left join phot on phot.objId = o.objId
left join bands on bands.objId = o.objId
left join rej on rej.fileId = s.fileId
where s.status = 'loaded' and (coalesce(phot.n, 0) != s.rowsLoaded or coalesce(bands.n, 0) != s.rowsLoaded
                               or coalesce(rej.n, 0) != s.rowsRejected)
union all
select 'features', o.name from objects o
left join bands on bands.objId = o.objId
left join stats on stats.objId = o.objId
where (exists (select 1 from lcFeats f where f.objId = o.objId) and coalesce(stats.n, 0) != coalesce(bands.griz, 0))
   or (not exists (select 1 from lcFeats f where f.objId = o.objId) and coalesce(stats.n, 0) != 0)
"""
PROGRESS = "select (select count(*) from sourceFiles), (select count(*) from lcFeats)"

# the real command line with small transactions/chunks (many commits while the readers read),
# without the other packages' commands (so this test does not depend on them importing)
RUNNER = """
import sys
from minibroker.app import cli
from minibroker.features import pipeline
from minibroker.loader import load
load.COMMIT_ROWS = 1500
pipeline.compute.__kwdefaults__["chunk"] = 1  # (a default argument: set it there)
cli.COMMAND_MODULES = ["minibroker.loader.cli", "minibroker.features.cli"]
sys.exit(cli.main(sys.argv[1:]))
"""


def make_files(d: Path, n: int, seed: int) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        rows = random_rows(rng, int(rng.integers(50, 300)), bands="ugrizy")
        if i % 7 == 0:
            rows[-1] = (rows[-1][0], "x", rows[-1][2], rows[-1][3])
        write_lc(d / f"o{seed}_{i:03d}.dat", rows, {"ID": i})
    return d


class Reader(threading.Thread):
    """Reads in a loop until stopped: new read-only connections, consistency query, progress."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.reads = 0
        self.errors: list[str] = []
        self.bad: list = []
        self.seen: set = set()
        self.wal_max = 0
        self.stamps: list[float] = []

    def run(self):
        while not self.stop.is_set():
            try:
                conn = connect(self.db, readonly=True)
            except UserError:  # the writer has not created the schema yet
                time.sleep(0.01)
                continue
            except apsw.Error as exc:
                self.errors.append(f"opening: {type(exc).__name__}: {exc}")
                continue
            try:
                for _ in range(10):
                    self.bad += conn.execute(INCONSISTENT).fetchall()
                    self.seen.add(conn.execute(PROGRESS).fetchone())
                    self.stamps.append(time.monotonic())
                    self.reads += 1
                    wal = Path(f"{self.db}-wal")
                    self.wal_max = max(self.wal_max, wal.stat().st_size if wal.exists() else 0)
            except apsw.Error as exc:  # BusyError ("database is locked") among them
                self.errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                conn.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join(30)


def run_cli(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUNNER, *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_readers_during_load_and_features_see_whole_objects_and_never_a_lock(tmp_path):
    db = tmp_path / "r.db"
    a = make_files(tmp_path / "a", 150, 1)
    with Reader(db) as reader, Reader(db) as reader2:
        windows = []
        for args in (["load", "--db", db, "--jobs", "2", a], ["features", "--db", db]):
            t0 = time.monotonic()
            p = run_cli(*args)
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            windows.append((t0, time.monotonic()))
        time.sleep(0.2)
    for r in (reader, reader2):
        assert r.errors == []
        assert r.bad == []
        assert r.reads > 20
    seen = reader.seen | reader2.seen
    stamps = reader.stamps + reader2.stamps
    print(f"{reader.reads + reader2.reads} reads; (files, lcFeats rows) seen: {sorted(seen)}")
    assert len({files for files, _ in seen}) >= 4, seen  # the readers saw the load in progress
    assert len({feats for _, feats in seen}) >= 3, seen  # and features in progress (one object a chunk)
    for start, end in windows:  # and read while each command ran
        assert any(start < t < end for t in stamps)
    assert max(seen) == (150, 150)


def test_features_while_a_load_runs_both_succeed_and_readers_stay_consistent(tmp_path):
    db = tmp_path / "r.db"
    a = make_files(tmp_path / "a", 60, 1)
    b = make_files(tmp_path / "b", 150, 2)
    with Reader(db) as reader:
        assert run_cli("load", "--db", db, "--jobs", "1", a).wait(timeout=120) == 0
        load_b = run_cli("load", "--db", db, "--jobs", "1", b)
        feats = [run_cli("features", "--db", db)]
        while load_b.poll() is None:  # two writers at once take turns through the busy timeout
            if feats[-1].poll() is not None:
                feats.append(run_cli("features", "--db", db))
            time.sleep(0.05)
        for p in [load_b, *feats]:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        assert run_cli("features", "--db", db).wait(timeout=120) == 0
    assert reader.errors == [] and reader.bad == []
    assert max(reader.seen) == (210, 210)


@pytest.fixture
def small_wal_policy(monkeypatch):
    """The checkpoint policy scaled down, so a test-sized load is many times the WAL bound."""
    monkeypatch.setattr(core_db, "WAL_AUTOCHECKPOINT_PAGES", 100)   # 400 KiB
    monkeypatch.setattr(core_db, "WAL_SIZE_LIMIT", 512 * 1024)
    monkeypatch.setattr(loader_load, "COMMIT_ROWS", 1000)            # transactions of ~150 KiB


def test_wal_stays_bounded_during_loads_with_readers_and_is_emptied_at_the_end(tmp_path, small_wal_policy):
    db = tmp_path / "w.db"
    conn = connect(db)
    assert conn.pragma("journal_size_limit") == core_db.WAL_SIZE_LIMIT
    assert conn.pragma("wal_autocheckpoint") == core_db.WAL_AUTOCHECKPOINT_PAGES
    sizes = []
    with Reader(db) as reader:
        for k in range(5):
            d = make_files(tmp_path / f"d{k}", 60, 10 + k)
            load_files(conn, list_files(d), f"d{k}", jobs=1)
            sizes.append(reader.wal_max)
            reader.wal_max = 0
    db_size = db.stat().st_size
    assert reader.errors == [] and reader.bad == []
    print(f"largest WAL seen per load: {sizes}; database {db_size} bytes")
    # without checkpoints the WAL would hold every page written: more than the database itself
    assert max(sizes) < db_size, (sizes, db_size)
    assert max(sizes) <= core_db.WAL_SIZE_LIMIT + 3 * 1024 * 1024, sizes
    assert max(sizes[2:]) <= 2 * max(sizes[:2]) + 1024 * 1024, sizes  # no growth from load to load
    # a reader may have held a snapshot during the last load's checkpoint, leaving it partial; the
    # next load (here one that changes nothing) checkpoints again, and with no reader left it empties the WAL
    load_files(conn, list_files(d), "d4", jobs=1)
    wal = Path(f"{db}-wal")
    assert wal.stat().st_size == 0
    conn.close()


def test_checkpoint_gives_up_quickly_when_a_reader_holds_a_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(core_db, "CHECKPOINT_WAIT_MS", 200)
    db = tmp_path / "c.db"
    conn = connect(db)
    load_files(conn, list_files(make_files(tmp_path / "d", 20, 5)), "d", jobs=1)
    reader = connect(db, readonly=True)
    reader.execute("begin")
    reader.execute("select count(*) from rawPhot").fetchall()  # holds its snapshot open
    conn.execute("delete from rawPhot where objId = 1")
    t0 = time.monotonic()
    busy, *_ = checkpoint(conn)
    assert time.monotonic() - t0 < 5  # waited ~0.2 s, not the 30 s busy timeout
    assert busy == 1  # left partial; the load still succeeded
    reader.execute("commit")
    assert checkpoint(conn)[0] == 0
    assert os.path.getsize(f"{db}-wal") == 0
