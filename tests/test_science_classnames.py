"""Class names: from #type: headers, a labels CSV with a class-name column, a names CSV or the
simulator's table; shown wherever a person reads a class."""

import numpy as np
import pytest

from minibroker.app.cli import main
from minibroker.database import connect
from minibroker.core.errors import UserError
from conftest import REAL_DIR, REAL_LABELS, random_rows, write_lc
from minibroker.loader import classnames
from minibroker.loader.labels import load_labels
from minibroker.loader.load import list_files, load_files


def test_type_headers_name_the_labels(tmp_path):
    rng = np.random.default_rng(1)
    d = tmp_path / "lc"
    d.mkdir()
    for i, (typ, label) in enumerate([("SNIa", 0), ("SNIa", 0), ("RRLyrae", 2), ("AGN", 4), ("AGN", 4)]):
        write_lc(d / f"O{i}.dat", random_rows(rng, 20), {"type": typ, "label": label})
    write_lc(d / "X1.dat", random_rows(rng, 20), {"type": "Mdwarf", "label": 3})
    write_lc(d / "X2.dat", random_rows(rng, 20), {"type": "flare", "label": 3})   # disagree: no name
    conn = connect(tmp_path / "t.db")
    load_files(conn, list_files(d), "s", jobs=0)
    assert classnames.names(conn) == {0: "SNIa", 2: "RRLyrae", 4: "AGN"}
    assert classnames.names_for(conn, [0, 3]) == {0: "SNIa", 3: "3"}


def test_real_type_headers_are_not_names_and_a_labels_csv_names_them(tmp_path):
    conn = connect(tmp_path / "t.db")
    load_files(conn, list_files(REAL_DIR), "train", jobs=0)   # #type: -9, 1, None: numbers, not names
    load_labels(conn, REAL_LABELS, "train")
    assert classnames.names(conn) == {}
    named = tmp_path / "named.csv"
    lines = REAL_LABELS.read_text().splitlines()
    kinds = {"0": "SN", "1": "periodic A", "2": "periodic B"}
    named.write_text("name,label,className\n" + "\n".join(f"{ln},{kinds[ln.split(',')[1]]}" for ln in lines[1:]) + "\n")
    report = load_labels(conn, named, "train")
    assert report.labelled == 100
    assert classnames.names(conn) == {0: "SN", 1: "periodic A", 2: "periodic B"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name,label,className\nFAKE001,0,SN\nFAKE002,0,SNIa\n")
    with pytest.raises(UserError, match="label 0 named both 'SN' and 'SNIa'"):
        load_labels(conn, bad, "train")


def test_names_csv_and_simulator_via_the_cli(tmp_path, capsys):
    db = tmp_path / "t.db"
    conn = connect(db)
    conn.close()
    names = tmp_path / "names.csv"
    names.write_text("label,name\n0,supernova\n7,kilonova\n")
    assert main(["classnames", "--db", str(db), "--simulator", str(names)]) == 0
    out = capsys.readouterr().out
    assert "0\tsupernova\t" in out and "7\tkilonova\t" in out and "2\tRRLyrae\tsimulator" in out
    names.write_text("label,name\nzero,supernova\n")
    assert main(["classnames", "--db", str(db), str(names)]) == 1
    assert "label is not an integer" in capsys.readouterr().err


def test_names_are_shown_in_train_predict_and_plot(real_db, tmp_path, capsys):
    path = tmp_path / "t.db"
    path.write_bytes(real_db.read_bytes())
    names = tmp_path / "names.csv"
    names.write_text("label,name\n0,SN\n1,VarA\n2,VarB\n")
    db = str(path)
    assert main(["classnames", "--db", db, str(names)]) == 0
    assert main(["train", "--db", db, "--models", "svm", "--repeats", "1", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "(classes SN: 20, VarA: 40, VarB: 40)" in out and "recall VarB" in out
    assert main(["predict", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "predicted classes: SN: " in out
    confusion = out.split("confusion matrix")[1]
    assert "VarA" in confusion and "VarB" in confusion
    from minibroker.report.data import find_object, light_curve
    from minibroker.report.plot import title

    conn = connect(path)
    lc = light_curve(conn, *find_object(conn, "FAKE061", None))
    assert "class VarB" in title(lc) and "predicted " in title(lc)
