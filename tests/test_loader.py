"""The loader: every data line becomes a row or a recorded rejection; reload is a no-op; files are atomic."""

import numpy as np
import pandas as pd
import pytest

from minibroker.database import connect
from conftest import REAL_DIR, REAL_LABELS, random_rows, real_data_lines, write_lc
from minibroker.loader.labels import load_labels
from minibroker.loader.load import list_files, load_files
from minibroker.loader.parse import FailedFile, parse_file


def dump(conn) -> dict[str, list]:
    """Every user table's rows (time columns excluded), to compare database states."""
    tables = [r[0] for r in conn.execute(
        "select name from sqlite_schema where type = 'table' and name not like 'sqlite_%'")]
    out = {}
    for t in tables:
        cols = [r[1] for r in conn.execute("select * from pragma_table_info(?)", (t,)) if r[1] != "loadedAt"]
        out[t] = sorted(conn.execute(f'select {", ".join(cols)} from "{t}"').fetchall(), key=repr)
    return out


def test_real_data_every_row_exactly_once(real_db):
    conn = connect(real_db, readonly=True)
    expected = pd.concat(
        [pd.read_csv(p, comment="#", sep=r"\s+").assign(name=p.stem) for p in sorted(REAL_DIR.glob("*.dat"))])
    got = pd.DataFrame(conn.execute(
        "select o.name, t, pb, flux, dflux from rawPhot join objects o using (objId)").fetchall(),
        columns=["name", "t", "pb", "flux", "dflux"])
    key = ["name", "t", "pb", "flux", "dflux"]
    exp = expected[key].sort_values(key).reset_index(drop=True)
    assert len(got) == sum(real_data_lines().values()) == len(exp)
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True), exp)
    assert conn.execute("select count(*) from rejects").fetchone()[0] == 0
    per_file = dict(conn.execute("select name, rowsLoaded from sourceFiles"))
    assert per_file == real_data_lines()


def test_real_headers_and_labels_kept(real_db):
    conn = connect(real_db, readonly=True)
    hdr = dict(conn.execute("select key, value from objectHeaders h join objects o using (objId) "
                            "where o.name = 'FAKE001'"))
    assert hdr == {"orig_file": "/mnt/data/antares/aux/DES_SIM/DES_BLIND+HOSTZ/DES_SN152926.DAT",
                   "ID": "152926", "type": "-9", "zgal": "0.9080", "zgalerr": "0.0199"}
    labels = dict(conn.execute("select o.name, label from lcLabels join objects o using (objId)"))
    csv = pd.read_csv(REAL_LABELS)
    assert labels == dict(zip(csv.name, csv.label))


def test_reload_is_a_noop(tmp_path):
    conn = connect(tmp_path / "r.db")
    first = load_files(conn, list_files(REAL_DIR), "train", jobs=2)
    before = dump(conn)
    again = load_files(conn, list_files(REAL_DIR), "train", jobs=2)
    assert (first.loaded, again.loaded, again.unchanged) == (100, 0, 100)
    assert dump(conn) == before


def test_bad_rows_are_rejected_with_line_and_reason(db, tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    path = d / "bad.dat"
    path.write_text(
        "#ID:1\n"
        "  t  pb  flux  dflux\n"          # line 2
        "56000.1 g 10.0 1.0\n"            # 3 ok
        "56000.2 g nan 1.0\n"             # 4 NaN flux
        "56000.3 r 10.0 inf\n"            # 5 inf dflux
        "56000.4 r 10.0 0\n"              # 6 zero dflux
        "56000.5 r 10.0 -2\n"             # 7 negative dflux
        "56000.6 q 10.0 1.0\n"            # 8 unknown passband
        "56000.7 i 10.0\n"                # 9 missing column
        "56000.8 i 10.0 1.0 7\n"          # 10 extra column
        "56000.9 i ten 1.0\n"             # 11 not a number
        "\n"                              # 12 blank: not a data line
        "56001.0 G 10.0 1.0\n"            # 13 upper-case band
        "56001.1 z -5.0 2.0\n"            # 14 ok
    )
    report = load_files(db, [path], "bad", jobs=1)
    assert (report.loaded, report.rows, report.rejected) == (1, 2, 9)
    rejects = db.execute("select line, reason from rejects order by line").fetchall()
    assert [r[0] for r in rejects] == [4, 5, 6, 7, 8, 9, 10, 11, 13]
    reasons = dict(rejects)
    assert "flux is not finite" in reasons[4]
    assert "dflux is not finite" in reasons[5]
    assert "dflux must be > 0" in reasons[6] and "dflux must be > 0" in reasons[7]
    assert "unknown passband 'q'" in reasons[8] and "unknown passband 'G'" in reasons[13]
    assert "found 3" in reasons[9] and "found 5" in reasons[10]
    assert "flux is not a number" in reasons[11]
    assert db.execute("select rowsLoaded, rowsRejected from sourceFiles").fetchone() == (2, 9)


def test_rows_plus_rejections_equal_data_lines(db, tmp_path):
    rng = np.random.default_rng(11)
    d = tmp_path / "mix"
    d.mkdir()
    for i in range(10):
        rows = random_rows(rng, int(rng.integers(1, 60)))
        for j in rng.choice(len(rows), size=min(3, len(rows)), replace=False):
            rows[j] = (rows[j][0], "x", rows[j][2], rows[j][3])
        write_lc(d / f"m{i}.dat", rows)
    load_files(db, list_files(d), "mix", jobs=2)
    for name, loaded, rejected in db.execute("select name, rowsLoaded, rowsRejected from sourceFiles"):
        text = (d / f"{name}.dat").read_text().splitlines()
        data_lines = len([ln for ln in text if ln.strip() and not ln.startswith("#")]) - 1
        n_rows = db.execute("select count(*) from rawPhot join objects using (objId) where name = ?",
                            (name,)).fetchone()[0]
        n_rej = db.execute("select count(*) from rejects join sourceFiles using (fileId) where name = ?",
                           (name,)).fetchone()[0]
        assert (n_rows, n_rej) == (loaded, rejected)
        assert n_rows + n_rej == data_lines


def test_file_without_column_header_fails_and_is_recorded(db, tmp_path):
    d = tmp_path / "nohdr"
    d.mkdir()
    (d / "nohdr.dat").write_text("#ID:3\n56000.0 g 1.0 1.0\n")
    (d / "empty.dat").write_text("")
    (d / "binary.dat").write_bytes(bytes(range(256)))
    write_lc(d / "good.dat", [("56000.0", "g", "1.0", "1.0")])
    report = load_files(db, list_files(d), "x", jobs=1)
    assert (report.loaded, report.failed) == (1, 3)
    failed = dict(db.execute("select name, error from sourceFiles where status = 'failed'"))
    assert "no column header" in failed["empty"]
    assert "missing t pb flux dflux" in failed["nohdr"] and "line 2" in failed["nohdr"]
    assert "binary" in failed["binary"]
    assert {p for p, _ in report.failures} == {str(d / n) for n in ("nohdr.dat", "empty.dat", "binary.dat")}
    assert db.execute("select count(*) from objects").fetchone()[0] == 1


def test_columns_found_by_name_in_any_order(db, tmp_path):
    p = write_lc(tmp_path / "swapped.dat", [("3.5", "0.5", "r", "56000.25")], columns=("flux", "dflux", "pb", "t"))
    load_files(db, [p], "x", jobs=1)
    assert db.execute("select t, pb, flux, dflux from rawPhot").fetchall() == [(56000.25, "r", 3.5, 0.5)]


def test_crlf_bom_and_tabs(db, tmp_path):
    p = tmp_path / "win.dat"
    p.write_bytes(b"\xef\xbb\xbf#ID:5\r\nt\tpb\tflux\tdflux\r\n56000.5\tg\t1.5\t0.5\r\n")
    report = load_files(db, [p], "x", jobs=1)
    assert (report.rows, report.rejected) == (1, 0)
    assert db.execute("select key, value from objectHeaders").fetchall() == [("ID", "5")]


def test_duplicate_file_is_recorded_not_loaded_twice(db, tmp_path):
    d = tmp_path / "dup"
    d.mkdir()
    src = (REAL_DIR / "FAKE001.dat").read_bytes()
    (d / "A.dat").write_bytes(src)
    (d / "B.dat").write_bytes(src)
    report = load_files(db, list_files(d), "dup", jobs=1)
    assert (report.loaded, report.duplicates) == (1, 1)
    assert db.execute("select status, error from sourceFiles where name = 'B'").fetchone() == (
        "duplicate", f"same content as A ({d / 'A.dat'})")
    assert db.execute("select count(*) from objects").fetchone()[0] == 1


def test_changed_file_replaces_the_objects_photometry(db, tmp_path):
    d = tmp_path / "chg"
    d.mkdir()
    write_lc(d / "obj.dat", [("56000.0", "g", "1.0", "1.0"), ("56001.0", "r", "2.0", "1.0")], {"label": 1})
    load_files(db, list_files(d), "chg", jobs=1)
    obj_id = db.execute("select objId from objects").fetchone()[0]
    write_lc(d / "obj.dat", [("56002.0", "i", "3.0", "1.0")], {"label": 2})
    report = load_files(db, list_files(d), "chg", jobs=1)
    assert report.loaded == 1
    assert db.execute("select objId, t, pb from rawPhot").fetchall() == [(obj_id, 56002.0, "i")]
    assert db.execute("select objId, label from lcLabels").fetchall() == [(obj_id, 2)]
    assert db.execute("select count(*) from sourceFiles").fetchone()[0] == 1


def test_label_header_fills_lclabels(db, tmp_path):
    p = write_lc(tmp_path / "L.dat", [("56000.0", "g", "1.0", "1.0")], {"type": "SNIa", "label": 3})
    load_files(db, [p], "x", jobs=1)
    assert db.execute("select label, source from lcLabels").fetchall() == [(3, "header")]


def test_labels_csv_reports_unknown_names(db, tmp_path):
    load_files(db, list_files(REAL_DIR)[:5], "train", jobs=1)
    report = load_labels(db, REAL_LABELS, "train")
    assert report.labelled == 5 and len(report.unknown) == 95 and report.bad == []


def test_parse_is_pure_and_reports_directories(tmp_path):
    (tmp_path / "adir.dat").mkdir()
    out = parse_file(tmp_path / "adir.dat")
    assert isinstance(out, FailedFile) and "directory" in out.reason


def test_packed_bands_hold_exactly_the_rawphot_rows(real_db):
    conn = connect(real_db, readonly=True)
    raw = {}
    for obj, pb, t, f, e in conn.execute("select objId, pb, t, flux, dflux from rawPhot order by objId, pb, t, id"):
        raw.setdefault((obj, pb), []).append((t, f, e))
    packed = {}
    for obj, pb, n, t, f, e in conn.execute("select objId, pb, n, t, flux, dflux from lcBands"):
        cols = [np.frombuffer(b, dtype="<f8") for b in (t, f, e)]
        assert all(len(c) == n for c in cols)
        packed[(obj, pb)] = list(zip(*[c.tolist() for c in cols]))
    assert packed == raw
