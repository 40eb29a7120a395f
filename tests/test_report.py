"""Plots and the report page: headless PNGs of sensible size, clear errors, sections without data."""

import shutil
import struct

import matplotlib
import pytest

from minibroker.app.cli import main
from minibroker.database import connect

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def db_copy(real_db, tmp_path):
    path = tmp_path / "r.db"
    shutil.copy(real_db, path)
    return path


def test_plot_is_a_headless_png(db_copy, tmp_path, capsys):
    out = tmp_path / "FAKE010.png"
    assert main(["plot", "--db", str(db_copy), "--obj", "FAKE010", "--out", str(out)]) == 0
    import minibroker.report.style  # noqa: F401

    assert matplotlib.get_backend().lower() == "agg"
    w, h = png_size(out)
    assert (w, h) == (1000, 500)
    assert out.stat().st_size > 10_000
    assert "FAKE010 (train): g, r, i, z bands" in capsys.readouterr().out


def test_plot_with_gp_from_lcgp_and_on_the_fly(db_copy, tmp_path, capsys):
    out = tmp_path / "a.png"
    assert main(["plot", "--db", str(db_copy), "--obj", "FAKE082", "--out", str(out), "--gp"]) == 0
    assert "GP fitted for the plot" in capsys.readouterr().out  # make gp has not run
    assert main(["gp", "--db", str(db_copy), "--jobs", "1", "--grid", "60"]) == 0
    capsys.readouterr()
    assert main(["plot", "--db", str(db_copy), "--obj", "FAKE082", "--out", str(out), "--gp"]) == 0
    assert "GP from lcGP" in capsys.readouterr().out
    assert png_size(out) == (1000, 500)


def test_plot_default_out_is_name_png(db_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "--db", str(db_copy), "--obj", "FAKE001"]) == 0
    assert png_size(tmp_path / "FAKE001.png")[0] > 0


def test_plot_unknown_object_is_a_clear_error(db_copy, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["plot", "--db", str(db_copy), "--obj", "NOSUCH", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no object named 'NOSUCH'" in err
    assert not out.exists()
    assert main(["plot", "--db", str(tmp_path / "none.db"), "--obj", "FAKE001"]) == 1
    assert "no database at" in capsys.readouterr().err


def test_report_without_models_says_what_is_missing(db_copy, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", "--db", str(db_copy), "--out", str(out)]) == 0
    html = (out / "index.html").read_text()
    assert "run make train" in html and "run make anomalies" in html and "run make gp" in html
    assert "features_moments.png" in html
    w, h = png_size(out / "features_moments.png")
    assert w >= 800 and h >= 600
    assert "no data for" in capsys.readouterr().out


def test_report_with_everything(db_copy, tmp_path, capsys):
    db = str(db_copy)
    for argv in (["gp", "--db", db, "--jobs", "2"], ["train", "--db", db],
                 ["predict", "--db", db, "--dataset", "train"],
                 ["anomalies", "--db", db, "--dataset", "train", "--top", "4"]):
        assert main(argv) == 0, argv
    out = tmp_path / "rep"
    assert main(["report", "--db", db, "--out", str(out), "--top", "4", "--dataset", "train"]) == 0
    assert "no data for" not in capsys.readouterr().out
    html = (out / "index.html").read_text()
    for name in ("anomalies.png", "confusion_matrix.png", "features_moments.png", "features_gp.png"):
        assert name in html
        w, h = png_size(out / name)
        assert w >= 400 and h >= 300
    assert "cvBalancedAccuracy" in html and "FAKE" in html
