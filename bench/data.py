"""The simulated datasets, one per size, generated once into ``bench/cache/sim-<n>-seed<seed>/``.

A directory counts as complete when its ``.complete.json`` marker (hidden, so the loader
ignores it) records the same ``n``, seed and mix and the ``.dat`` files are all there;
otherwise it is (re)generated with ``sim.simulate``. Without the ``sim`` package the
harness can fall back (``--fallback-data DIR``, for testing the harness only) to copies of
real files, each given an extra ``#bench_copy:`` header so no two copies share a content hash
(the loader would record them as duplicates).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

PREFIX = "SIM"
MARKER = ".complete.json"


def dataset_dir(cache: Path, n: int, seed: int) -> Path:
    return cache / f"sim-{n}-seed{seed}"


def _complete(d: Path, n: int, seed: int, mix: str) -> dict | None:
    marker = d / MARKER
    if not marker.is_file():
        return None
    try:
        info = json.loads(marker.read_text())
    except ValueError:
        return None
    if info.get("n") != n or info.get("seed") != seed or info.get("mix") != mix:
        return None
    if sum(1 for _ in d.glob("*.dat")) != n:
        return None
    return info


def ensure_dataset(cache: Path, n: int, *, seed: int = 0, mix: str = "balanced", jobs: int | None = None,
                   fallback: Path | None = None, log=print) -> tuple[Path, dict]:
    """The directory holding ``n`` light-curve files, generating it if needed; and its summary."""
    d = dataset_dir(cache, n, seed)
    info = _complete(d, n, seed, mix)
    if info is not None:
        info = dict(info, cached=True)
        return d, info
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("*.dat"):  # a partial or different earlier run
        old.unlink()
    start = time.perf_counter()
    try:
        from minibroker import sim
    except ImportError:
        sim = None
    if sim is not None:
        log(f"bench: simulating {n} objects (seed {seed}, mix {mix}) into {d}")
        summary = sim.simulate(n, d, seed=seed, mix=mix, jobs=jobs, prefix=PREFIX, stream=False, progress=False)
        info = {"n": n, "seed": seed, "mix": mix, "source": "minibroker.sim.run.simulate",
                "files": summary.get("files"), "observations": summary.get("observations"),
                "classes": summary.get("classes")}
    elif fallback is not None:
        log(f"bench: sim not importable; copying real files from {fallback} into {d} (harness testing only)")
        info = _copy_fallback(fallback, d, n, seed, mix)
    else:
        raise RuntimeError("the sim package is not importable and no --fallback-data was given")
    info["generate_seconds"] = round(time.perf_counter() - start, 3)
    (d / MARKER).write_text(json.dumps(info, indent=1))
    return d, dict(info, cached=False)


def _copy_fallback(src: Path, d: Path, n: int, seed: int, mix: str) -> dict:
    files = sorted(p for p in Path(src).glob("*.dat") if not p.name.startswith("."))
    if not files:
        raise RuntimeError(f"no .dat files in {src}")
    width = max(6, len(str(n)))
    for i in range(1, n + 1):
        data = files[(i - 1) % len(files)].read_bytes()
        (d / f"{PREFIX}{i:0{width}d}.dat").write_bytes(f"#bench_copy:{i}\n".encode() + data)
    return {"n": n, "seed": seed, "mix": mix, "source": f"copies of {src}", "files": n}
