"""Tests of the light-curve simulator (sim/)."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lombscargle
from scipy.stats import spearmanr

from minibroker.sim import simulate
from minibroker.sim.classes import CLASSES, LABELS
from minibroker.sim.transients import sncc_flux, snia_flux
from minibroker.sim.variables import mdwarf_flux, ou_path, planck_ratio
from minibroker.core.commands import add_shared
from minibroker.sim.cli import COMMANDS, add_arguments, run
from minibroker.sim.constants import BANDS, mag_to_flux
from minibroker.sim.run import parse_mix, simulate_object
from minibroker.sim.survey import M5, flux_error
from minibroker.sim.writer import format_lightcurve, parse_lightcurve

from conftest import REAL_DIR
from minibroker.core.errors import UserError
B = {b: i for i, b in enumerate(BANDS)}


def read_dir(path: Path) -> dict[str, tuple[dict, list]]:
    return {p.name: parse_lightcurve(p.read_text()) for p in sorted(path.glob("*.dat"))}


def dir_bytes(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim_small")
    summary = simulate(36, out, seed=11, jobs=1)
    return out, summary


# ------------------------------------------------------------------ format


def test_writer_reproduces_real_files_byte_for_byte():
    files = sorted(REAL_DIR.glob("*.dat"))
    assert files
    for p in files:
        text = p.read_text()
        header, rows = parse_lightcurve(text)
        t, pb, flux, dflux = zip(*rows)
        out = format_lightcurve(header.items(), np.array(t, float), [B[b] for b in pb],
                                np.array(flux, float), np.array(dflux, float))
        assert out == text, p.name


def test_files_headers_and_values(small_run):
    out, summary = small_run
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"SIM{i:06d}.dat" for i in range(1, 37)]  # only .dat files, nothing else
    assert summary["files"] == 36
    n_obs = 0
    for name, (hdr, rows) in read_dir(out).items():
        text = (out / name).read_text()
        lines = text.splitlines()
        assert text.endswith("\n")
        assert lines[0].startswith("#orig_file:") and lines[0].endswith(name[:-4])
        assert hdr["ID"] == str(int(name[3:9]))
        label = int(hdr["label"])
        assert CLASSES[label].name == hdr["type"] and LABELS[hdr["type"]] == label
        assert ("zgal" in hdr) == ("zgalerr" in hdr) == CLASSES[label].extragalactic
        if "zgal" in hdr:
            assert float(hdr["zgal"]) > 0 and float(hdr["zgalerr"]) > 0
        col_line = next(l for l in lines if not l.startswith("#"))
        assert col_line.split() == ["t", "pb", "flux", "dflux"]
        assert 90 <= len(rows) <= 330
        t = np.array([r[0] for r in rows], float)
        flux = np.array([r[2] for r in rows], float)
        dflux = np.array([r[3] for r in rows], float)
        assert all(r[1] in BANDS and len(r[1]) == 1 for r in rows)
        assert np.all(np.isfinite(t)) and np.all(np.isfinite(flux)) and np.all(np.isfinite(dflux))
        assert np.all(dflux > 0)
        assert np.all(np.diff(t) > 0)
        assert all(len(r[0].split(".")[1]) == 6 == len(r[2].split(".")[1]) for r in rows)
        n_obs += len(rows)
    assert n_obs == summary["observations"]


def test_column_widths_vary_between_files(small_run):
    out, _ = small_run
    header_lines = {next(l for l in p.read_text().splitlines() if not l.startswith("#"))
                    for p in out.glob("*.dat")}
    assert len(header_lines) > 1


def test_balanced_and_realistic_mix(small_run, tmp_path):
    _, summary = small_run
    assert set(summary["classes"].values()) == {6}  # 36 objects, 6 classes
    s = simulate(300, tmp_path, seed=2, mix="realistic", jobs=1)
    c = s["classes"]
    assert c["constant"] > c["SNIa"] + c["SNCC"]
    assert c["AGN"] > c["SNIa"] and c["RRLyrae"] > c["SNCC"]
    assert (c["SNIa"] + c["SNCC"]) / 300 < 0.15
    assert parse_mix("SNIa=1,AGN=3")[0][[LABELS["SNIa"], LABELS["AGN"]]].tolist() == [0.25, 0.75]
    with pytest.raises(ValueError):
        parse_mix("Cepheid=1")


def test_multi_season_cadence_and_nightly_visits():
    gaps, pairs, spans = [], [], []
    for i in range(1, 41):
        lc = simulate_object(4, i)
        dt = np.diff(lc.t)
        gaps.append(dt.max())
        spans.append(lc.t[-1] - lc.t[0])
        # several visits in a night, typically ~20-50 min apart
        pairs.append(np.mean((dt > 0.01) & (dt < 0.04)))
        assert np.all(np.floor(lc.t) == lc.truth["night"])
        assert len(set(lc.band.tolist())) >= 4
    assert np.mean(np.array(gaps) > 100) > 0.5  # seasonal gaps
    assert min(spans) > 300 and max(spans) < 3 * 365.25  # multi-season baseline
    assert 0.3 < np.mean(pairs) < 0.8


# ------------------------------------------------------------------ reproducibility


def test_same_seed_byte_identical_for_any_jobs(tmp_path):
    simulate(30, tmp_path / "a", seed=7, jobs=1)
    simulate(30, tmp_path / "b", seed=7, jobs=2)
    a, b = dir_bytes(tmp_path / "a"), dir_bytes(tmp_path / "b")
    assert len(a) == 30 and a == b
    # an object does not depend on how many objects are simulated
    simulate(12, tmp_path / "c", seed=7, jobs=2)
    c = dir_bytes(tmp_path / "c")
    assert all(c[k] == a[k] for k in c)


def test_different_seeds_differ(tmp_path):
    simulate(6, tmp_path / "a", seed=1, jobs=1)
    simulate(6, tmp_path / "b", seed=2, jobs=1)
    a, b = dir_bytes(tmp_path / "a"), dir_bytes(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[k] != b[k] for k in a)


def test_stream_mode_union_equals_per_object_rows(tmp_path):
    simulate(12, tmp_path / "obj", seed=3, jobs=2)
    s = simulate(12, tmp_path / "stream", seed=3, jobs=2, stream=True)
    per_obj = read_dir(tmp_path / "obj")
    nights = sorted((tmp_path / "stream").iterdir())
    assert all(d.is_dir() and d.name.startswith("night_") for d in nights)
    merged = defaultdict(list)
    n_files = 0
    for d in nights:
        night = int(d.name.split("_")[1])
        for name, (hdr, rows) in read_dir(d).items():
            n_files += 1
            assert hdr == per_obj[name][0]
            assert rows and all(math.floor(float(r[0])) == night for r in rows)
            merged[name].extend(rows)
    assert n_files == s["files"] > 12
    assert set(merged) == set(per_obj)
    for name, (_, rows) in per_obj.items():
        assert sorted(merged[name], key=lambda r: float(r[0])) == rows


# ------------------------------------------------------------------ physics


def _normalised_multiband(lc):
    """Per-band mean-subtracted, std-normalised flux (for a multi-band periodogram)."""
    y = np.empty_like(lc.flux)
    for b in np.unique(lc.band):
        m = lc.band == b
        w = 1 / lc.dflux[m] ** 2
        v = lc.flux[m] - np.sum(w * lc.flux[m]) / np.sum(w)
        y[m] = v / (np.std(v) + 1e-12)
    return y


def test_rrlyrae_period_found_by_lomb_scargle():
    freqs = np.arange(0.9, 3.6, 3e-4)  # cycles/day, periods 0.28-1.1 d
    hits, n = 0, 0
    peak_power = {}
    for i in range(1, 7):
        lc = simulate_object(21, i, label=LABELS["RRLyrae"])
        y = _normalised_multiband(lc)
        power = lombscargle(lc.t, y, 2 * np.pi * freqs, normalize=True)
        best = freqs[np.argmax(power)]
        true = 1 / lc.truth["period"]
        assert 0.3 <= lc.truth["period"] <= 0.9
        hits += abs(best - true) < 0.002 * true
        n += 1
        peak_power.setdefault("RRLyrae", []).append(power.max())
        if i > 3:
            continue
        const = simulate_object(21, i, label=LABELS["constant"])
        peak_power.setdefault("constant", []).append(
            lombscargle(const.t, _normalised_multiband(const), 2 * np.pi * freqs,
                        normalize=True).max())
    assert hits >= 0.75 * n
    assert np.median(peak_power["RRLyrae"]) > 3 * np.median(peak_power["constant"])


def _local_maxima(y):
    return np.flatnonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:])) + 1


def test_supernova_templates_single_main_peak_and_secondary_red_maximum():
    t0, z = 60000.0, 0.1
    t = np.linspace(t0 - 60, t0 + 250, 4000)
    peak = np.ones(6)
    for b in "ugr":
        f = snia_flux(t, np.full(t.size, B[b]), t0=t0, z=z, stretch=1.0, peak_flux=peak)
        assert len(_local_maxima(f)) == 1
        assert abs(t[np.argmax(f)] - t0) < 5 * (1 + z)
    for b in "iz":
        f = snia_flux(t, np.full(t.size, B[b]), t0=t0, z=z, stretch=1.0, peak_flux=peak)
        first, second = _local_maxima(f)  # primary and secondary maximum
        assert first == np.argmax(f) and abs(t[first] - t0) < 5 * (1 + z)
        assert 15 * (1 + z) < t[second] - t0 < 40 * (1 + z) and f[second] < 0.9 * f[first]
    # colour evolution: blue bands fade faster than red ones after maximum
    late = np.array([t0 + 40 * (1 + z)])
    frac = [snia_flux(late, np.array([B[b]]), t0=t0, z=z, stretch=1.0, peak_flux=peak)[0]
            for b in "ugri"]
    assert frac == sorted(frac)
    for plateau in (True, False):
        for b in range(6):
            f = sncc_flux(t, np.full(t.size, b), t0=t0, z=z, peak_flux=peak, plateau=plateau)
            assert len(_local_maxima(f)) == 1


@pytest.mark.parametrize("cls", ["SNIa", "SNCC"])
def test_simulated_supernovae_peak_once(cls):
    checked = 0
    for i in range(1, 400):
        lc = simulate_object(5, i, label=LABELS[cls])
        z, t0 = lc.truth["z"], lc.truth["t0"]
        if z > 0.25 or not (lc.t.min() < t0 - 10 and lc.t.max() > t0 + 60):
            continue
        for b in (B["g"], B["r"]):
            m = lc.band == b
            tb, fb = lc.t[m], lc.flux[m]
            if m.sum() < 15 or np.sum(np.abs(tb - t0) < 20 * (1 + z)) < 3:
                continue
            if lc.truth["true_flux"][m].max() < 10 * np.median(lc.dflux[m]):
                continue  # too faint to see the shape
            # smooth: median in a +-7 day window
            smooth = np.array([np.median(fb[np.abs(tb - x) <= 7]) for x in tb])
            top = np.argmax(smooth)
            assert abs(tb[top] - t0) < 30 * (1 + z)
            far = np.abs(tb - t0) > 120 * (1 + z)
            assert np.all(smooth[far] < 0.5 * smooth[top])
            checked += 1
        if checked >= 6:
            break
    assert checked >= 6


def test_flux_errors_grow_as_sources_get_fainter():
    # 5-sigma depth really is ~5 sigma; magnitude error grows with magnitude
    m5 = np.full(6, 24.0)
    band = np.arange(6)
    f5 = mag_to_flux(m5)
    assert np.all(np.abs(f5 / flux_error(f5, m5, band) - 5) < 0.6)
    mags = np.linspace(16, 26, 21)
    rel = flux_error(mag_to_flux(mags), np.full(21, 24.7), np.full(21, 2)) / mag_to_flux(mags)
    assert np.all(np.diff(rel) > 0)
    # shallower depth (u, y) -> larger error for the same faint source
    faint = flux_error(np.full(6, mag_to_flux(23.0)), M5, band)
    assert faint[B["y"]] > faint[B["r"]] and faint[B["u"]] > faint[B["g"]]
    # and in the simulated data: fractional errors of constant stars vs magnitude
    mag_r, frac = [], []
    for i in range(1, 41):
        lc = simulate_object(9, i, label=LABELS["constant"])
        m = lc.band == B["r"]
        mag_r.append(lc.truth["mag"][B["r"]])
        frac.append(np.median(lc.dflux[m] / lc.truth["true_flux"][m]))
    assert spearmanr(mag_r, frac).statistic > 0.9


def test_difference_fluxes_scatter_around_zero_for_constant_stars():
    neg = []
    for i in range(1, 21):
        lc = simulate_object(12, i, label=LABELS["constant"])
        neg.append(np.mean(lc.flux < 0))
        assert abs(np.median(lc.flux / lc.truth["true_flux"])) < 0.05
    assert 0.2 < np.mean(neg) < 0.8


def test_mdwarf_flares_fast_rise_exponential_decay_and_blue():
    q = mag_to_flux(np.array([24.0, 21.5, 20.0, 18.6, 18.0, 17.7]))
    ratio = planck_ratio(10000.0)
    t = 100.0 + np.linspace(-0.01, 0.3, 3000)
    kw = dict(quiescent_flux=q, flare_t=[100.0], flare_amp_u=[10 * q[0]], flare_tau=[0.05],
              flare_rise=[0.005], colour_ratio=ratio)
    f = mdwarf_flux(t, np.zeros(t.size, int), **kw) - q[0]
    assert np.all(f[t < 100.0] == 0)
    tpk = t[np.argmax(f)]
    assert abs(tpk - 100.005) < 1e-3
    after = np.interp(tpk + 0.05, t, f)
    assert abs(after / f.max() - math.exp(-1)) < 0.01
    # relative brightening is largest in the blue, smallest in the red
    rel = [(mdwarf_flux([100.005], [b], **kw)[0] - q[b]) / q[b] for b in range(6)]
    assert rel == sorted(rel, reverse=True) and rel[0] > 5 and rel[5] < 0.1
    # simulated M dwarfs: occasional flares, relatively much stronger in g than in z
    blue_wins, n = 0, 0
    for i in range(1, 31):
        lc = simulate_object(13, i, label=LABELS["Mdwarf"])
        q = mag_to_flux(lc.truth["quiescent_mag"])
        rel = {}
        for b in (B["g"], B["z"]):
            m = lc.band == b
            if m.sum() > 5:
                rel[b] = np.max((lc.flux[m] - np.median(lc.flux[m])) / q[b])
        if len(rel) == 2 and lc.truth["n_flares"] > 0:
            n += 1
            blue_wins += rel[B["g"]] > rel[B["z"]]
    assert n >= 15 and blue_wins >= 0.8 * n


def test_ou_process_exact_update_statistics():
    rng = np.random.default_rng(0)
    tau = 100.0
    dt = np.where(np.arange(40000) % 2 == 0, 0.02, tau / 2)  # irregular spacing
    t = np.cumsum(dt)
    x = ou_path(t, tau, rng.standard_normal(t.size))
    assert abs(x.var() - 1) < 0.1
    lag_long = np.diff(t) > 1
    pairs = x[:-1][lag_long], x[1:][lag_long]
    assert abs(np.corrcoef(*pairs)[0, 1] - math.exp(-0.5)) < 0.03
    pairs = x[:-1][~lag_long], x[1:][~lag_long]
    assert np.corrcoef(*pairs)[0, 1] > 0.99


def test_agn_varies_more_in_blue_and_is_redshifted():
    blue, red = [], []
    for i in range(1, 21):
        lc = simulate_object(14, i, label=LABELS["AGN"])
        hdr = dict(lc.header)
        assert abs(float(hdr["zgal"]) - lc.truth["z"]) < 0.2
        f = lc.truth["true_flux"]
        for b, store in ((B["g"], blue), (B["i"], red)):
            m = lc.band == b
            if m.sum() > 5:
                store.append(np.std(np.log(f[m])))
    assert np.median(blue) > np.median(red) > 0


# ------------------------------------------------------------------ CLI


def test_cli_run_and_module_help(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_shared(parser, COMMANDS[0])  # --jobs, shared by every command
    add_arguments(parser)
    args = parser.parse_args(["--n", "7", "--out", str(tmp_path / "o"), "--seed", "3",
                              "--mix", "realistic", "--jobs", "1", "--prefix", "ZTF"])
    assert run(args) == 0
    assert "7" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        f"ZTF{i:06d}.dat" for i in range(1, 8)]
    bad = parser.parse_args(["--out", str(tmp_path / "x"), "--mix", "nope"])
    with pytest.raises(UserError):  # the CLI's one error contract: one line, exit 1 (see test_cli)
        run(bad)
    res = subprocess.run([sys.executable, "-m", "minibroker.sim", "--help"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0 and "--stream" in res.stdout
