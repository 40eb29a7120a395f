"""Promise 1, nothing lost on bad input: for every file, rawPhot rows + recorded rejections = its data
lines (counted here on the raw bytes, independently of the loader), or the whole file is recorded as
failed with its reason. The malformed corpus in tests/corpus (outcomes in its README) and generated
files (hypothesis) are both checked."""

import itertools
import os
import shutil
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minibroker.loader import parse as loader_parse
from minibroker.database import connect
from minibroker.loader.load import list_files, load_files
from minibroker.loader.parse import FailedFile, parse_bytes
from reliability_helpers import CORPUS, check_consistent, data_lines, dump, has_column_header, run_cli

RUNTIME = {"41_directory.dat", "42_fifo.dat", "43_vanished.dat", "44_unreadable.dat", "45_huge_line.dat",
           "46_broken_symlink.dat", "47_caf\\xe9.dat", "48_too_large.dat", "49_sparse_huge.dat"}


def corpus_table() -> list[dict]:
    """The outcome table of tests/corpus/README.md."""
    rows = []
    for line in (CORPUS / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] not in ("file", "---"):
            rows.append(dict(file=cells[0], status=cells[2], rows=int(cells[3]), rejected=int(cells[4]),
                             reason=cells[5]))
    return rows


def real_name(file: str) -> str:
    return file.replace("\\xe9", "\udce9")  # the README writes the undecodable byte as \xe9


def make_corpus_dir(tmp_path: Path) -> tuple[Path, list[Path]]:
    """The corpus copied (README excluded) plus the entries made at load time; returns (dir, paths
    to load) with 43_vanished.dat already listed and then deleted."""
    d = tmp_path / "corpus"
    d.mkdir()
    for p in CORPUS.iterdir():
        if p.name != "README.md":
            shutil.copy(p, d / p.name)
    good = (CORPUS / "40_valid_edge_values.dat").read_bytes()
    (d / "41_directory.dat").mkdir()
    (d / "41_directory.dat" / "inside.dat").write_bytes(good)
    os.mkfifo(d / "42_fifo.dat")
    (d / "43_vanished.dat").write_bytes(good.replace(b"#ID:40", b"#ID:43"))
    (d / "44_unreadable.dat").write_bytes(good.replace(b"#ID:40", b"#ID:44"))
    (d / "45_huge_line.dat").write_bytes(b" t pb flux dflux\n56000 g 1 1\n56000 g " + b"7" * 3_000_000 + b" 1\n56001 r 2 1\n")
    os.symlink(d / "nowhere.dat", d / "46_broken_symlink.dat")
    with open(os.fsencode(d) + b"/47_caf\xe9.dat", "wb") as fh:  # a name that is not UTF-8
        fh.write(good.replace(b"#ID:40", b"#ID:47"))
    with open(d / "48_too_large.dat", "wb") as fh:  # a real table, just far too long for a light curve
        fh.write(b"t pb flux dflux\n" + b"56000.0 g 1.0 1.0\n" * (loader_parse.MAX_FILE_BYTES // 18 + 1))
    with open(d / "49_sparse_huge.dat", "wb") as fh:  # 1 TB of holes: must not be read
        fh.write(b"t pb flux dflux\n")
        fh.truncate(10**12)
    paths = [Path(p) for p in list_files(d)]
    (d / "43_vanished.dat").unlink()  # vanishes between the listing and the read
    return d, paths


@pytest.fixture
def refuse_44(monkeypatch):
    """open() of 44_unreadable.dat fails with EACCES, as chmod 000 would for a non-root user.
    The patch lives in this process: tests using it parse in-process (load_files(..., jobs=0))."""
    real_open = os.open

    def fake_open(path, flags, *args, **kw):
        if os.fsdecode(path).endswith("44_unreadable.dat"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(loader_parse.os, "open", fake_open)


def per_file(conn) -> dict[str, tuple]:
    """name -> (status, rawPhot rows, rejects rows, rowsLoaded, rowsRejected, error)."""
    return {r[0]: r[1:] for r in conn.execute("""
        select s.name, s.status,
               (select count(*) from rawPhot p join objects o using (objId)
                where o.dataset = s.dataset and o.name = s.name),
               (select count(*) from rejects r where r.fileId = s.fileId),
               s.rowsLoaded, s.rowsRejected, s.error
        from sourceFiles s""")}


def test_corpus_has_at_least_30_malformed_files_and_readme_covers_them():
    table = {r["file"] for r in corpus_table()}
    stored = {p.name for p in CORPUS.iterdir() if p.name != "README.md"}
    assert len(stored) >= 30
    assert stored | RUNTIME == table, "every corpus file has exactly one row in tests/corpus/README.md"


def test_corpus_outcomes_match_the_readme(tmp_path, refuse_44):
    d, paths = make_corpus_dir(tmp_path)
    conn = connect(tmp_path / "c.db")
    report = load_files(conn, paths, "corpus", jobs=0)
    got = per_file(conn)
    failures = dict(report.failures)
    for row in corpus_table():
        name = loader_parse.object_name(real_name(row["file"]))
        stored_name = loader_parse.name_text(name)
        if row["status"] == "not recorded":
            reason = failures[str(d / real_name(row["file"]))]
            assert row["reason"] in reason, (row, reason)
            continue
        status, n_rows, n_rej, rows_loaded, rows_rejected, error = got[stored_name]
        assert (status, n_rows, n_rej) == (row["status"], row["rows"], row["rejected"]), row
        assert (rows_loaded, rows_rejected) == (n_rows, n_rej), row
        if row["reason"]:
            text = error if status != "loaded" else " | ".join(r[0] for r in conn.execute(
                "select reason from rejects join sourceFiles using (fileId) where name = ?", (stored_name,)))
            assert row["reason"] in text, (row, text)
        if status == "failed":
            assert str(d / real_name(row["file"])) in failures, row  # reported on stderr as well
    assert report.files == len(paths)
    assert report.failed == sum(r["status"] in ("failed", "not recorded") for r in corpus_table())
    check_consistent(conn)


def test_every_corpus_file_rows_plus_rejections_equal_its_data_lines(tmp_path, refuse_44):
    """The invariant itself, from the bytes on disk: no table needed."""
    d, paths = make_corpus_dir(tmp_path)
    conn = connect(tmp_path / "c.db")
    load_files(conn, paths, "corpus", jobs=0)
    got = per_file(conn)
    twins = dict(conn.execute("select name, error from sourceFiles where status = 'duplicate'"))
    checked = 0
    for p in paths:
        name = loader_parse.name_text(p.stem)
        if p.suffix == ".txt":  # the name collision: not recorded (its twin .dat is)
            continue
        status, n_rows, n_rej, *_ = got[name]
        try:
            raw = (p.read_bytes() if p.is_file() and p.name != "44_unreadable.dat"
                   and p.stat().st_size <= loader_parse.MAX_FILE_BYTES else None)  # 49: 1 TB of holes
        except OSError:
            raw = None
        if status == "loaded":
            assert n_rows + n_rej == data_lines(raw), name
        elif status == "duplicate":
            twin = twins[name].split()[3]
            assert (d / f"{twin}.dat").read_bytes() == raw
            assert sum(got[twin][1:3]) == data_lines(raw)
        else:
            assert n_rows == n_rej == 0
            assert raw is None or b"\0" in raw or not has_column_header(raw), name
        checked += 1
    assert checked >= 45


def test_reloading_the_corpus_changes_nothing_and_still_reports_failures(tmp_path, refuse_44):
    _, paths = make_corpus_dir(tmp_path)
    conn = connect(tmp_path / "c.db")
    first = load_files(conn, paths, "corpus", jobs=0)
    before = dump(conn)
    again = load_files(conn, paths, "corpus", jobs=0)
    assert dump(conn) == before
    assert again.loaded == 0 and again.failed == first.failed  # a bad file stays reported


def test_cli_on_the_corpus_exits_1_with_one_line_per_failed_file(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d, ignore=shutil.ignore_patterns("README.md"))
    out = run_cli("load", "--db", tmp_path / "c.db", "--jobs", "2", d)
    failed = [r for r in corpus_table() if r["status"] in ("failed", "not recorded") and r["file"] not in RUNTIME]
    assert out.returncode == 1, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == len(failed) and "Traceback" not in out.stderr
    assert all(line.startswith(str(d)) for line in lines)
    assert f"{len(failed)} failed" in out.stdout


def test_previously_loaded_file_that_becomes_unreadable_keeps_its_rows(tmp_path, monkeypatch):
    d = tmp_path / "d"
    d.mkdir()
    (d / "later_unreadable.dat").write_bytes((CORPUS / "40_valid_edge_values.dat").read_bytes())
    conn = connect(tmp_path / "u.db")
    load_files(conn, list_files(d), "u", jobs=1)
    before = dump(conn)

    def refuse(path, *a, **k):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(loader_parse.os, "open", refuse)
    report = load_files(conn, list_files(d), "u", jobs=0)  # in-process: the patched open() applies
    assert report.failed == 1 and "Permission denied" in report.failures[0][1]
    assert dump(conn) == before  # reported, not recorded: the rows loaded earlier stay
    assert conn.execute("select status, rowsLoaded from sourceFiles").fetchone() == ("loaded", 3)


def test_duplicate_whose_twin_changed_is_loaded_on_the_next_run(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    body = (CORPUS / "37_dup_content_a.dat").read_bytes()
    (d / "A.dat").write_bytes(body)
    (d / "B.dat").write_bytes(body)
    conn = connect(tmp_path / "d.db")
    load_files(conn, list_files(d), "d", jobs=1)
    assert dict(conn.execute("select name, status from sourceFiles")) == {"A": "loaded", "B": "duplicate"}
    (d / "A.dat").write_bytes(body.replace(b"101.5", b"111.5"))
    load_files(conn, list_files(d), "d", jobs=1)
    assert dict(conn.execute("select name, status from sourceFiles")) == {"A": "loaded", "B": "loaded"}
    assert conn.execute("select count(*) from rawPhot").fetchone()[0] == 6  # B's content is in the DB
    check_consistent(conn)


def test_file_that_becomes_a_duplicate_loses_its_old_rejections(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "A.dat").write_bytes((CORPUS / "14_unknown_passbands.dat").read_bytes())
    (d / "B.dat").write_bytes((CORPUS / "11_nan_inf.dat").read_bytes())
    conn = connect(tmp_path / "d.db")
    load_files(conn, list_files(d), "d", jobs=1)
    (d / "B.dat").write_bytes((d / "A.dat").read_bytes())
    load_files(conn, list_files(d), "d", jobs=1)
    assert conn.execute("select status, rowsRejected from sourceFiles where name = 'B'").fetchone() == ("duplicate", 0)
    check_consistent(conn)  # no rejects left attached to the duplicate


# ---------------------------------------------------------------- generated files (hypothesis)

BANDS = "ugrizy"
NUM = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
POS = st.floats(min_value=1e-6, max_value=1e6)
BAD_TOKEN = st.sampled_from(["nan", "inf", "-inf", "", "abc", "1,5", "0x10", "1_0", "\u0661"])
BAD_BAND = st.sampled_from(["G", "R", "q", "gr", "1", "Y", "\u00b5"])
BAD_DFLUX = st.sampled_from(["0", "-0", "0.0", "-1.5", "nan", "inf"])
SEP = st.sampled_from([" ", "  ", "\t", " \t "])
EOL = st.sampled_from(["\n", "\r\n", "\r"])
ORDERS = list(itertools.permutations(["t", "pb", "flux", "dflux"]))


@st.composite
def light_curve(draw):
    """(file bytes, number of lines sure to load, number sure to be rejected, number of unsure data lines,
    valid (t, pb, flux, dflux) rows)."""
    cols = list(draw(st.sampled_from(ORDERS)))
    if draw(st.booleans()):
        cols.insert(draw(st.integers(0, 4)), "extra")
    lines = [f"#{k}:{v}" for k, v in draw(st.lists(st.tuples(
        st.text("abcdefXYZ_ ", min_size=0, max_size=8), st.text(max_size=12).filter(lambda s: "\r" not in s and "\n" not in s)),
        max_size=3))]
    lines += draw(st.lists(st.sampled_from(["", "  ", "# comment"]), max_size=2))
    lines.append(draw(SEP).join(cols))
    good = bad = unsure = 0
    valid = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["ok", "ok", "ok", "badnum", "badband", "baddflux", "fields", "blank",
                                     "comment", "junk"]))
        row = {"t": draw(NUM), "pb": draw(st.sampled_from(BANDS)), "flux": draw(NUM), "dflux": draw(POS), "extra": 7}
        text = {k: repr(v) if isinstance(v, float) else str(v) for k, v in row.items()}
        if kind == "badnum":
            text[draw(st.sampled_from(["t", "flux", "dflux"]))] = draw(BAD_TOKEN)
        elif kind == "badband":
            text["pb"] = draw(BAD_BAND)
        elif kind == "baddflux":
            text["dflux"] = draw(BAD_DFLUX)
        fields = [text[c] for c in cols]
        if kind == "fields":
            fields = fields[:-1] if draw(st.booleans()) else fields + ["9"]
        sep = draw(SEP)
        if kind == "blank":
            lines.append(draw(st.sampled_from(["", " ", "\t", " \t "])))
            continue
        if kind == "comment":
            lines.append(draw(st.sampled_from(["#", "  # note", "#label:3"])))
            continue
        if kind == "junk":
            junk = draw(st.text(max_size=30).filter(lambda s: "\r" not in s and "\n" not in s))
            lines.append(junk)
            stripped = junk.encode().strip(b" \t\v\f")
            unsure += bool(stripped) and not stripped.startswith(b"#")
            continue
        lines.append(sep.join(f for f in fields))
        if kind == "ok":
            good += 1
            valid.append((row["t"], row["pb"], row["flux"], row["dflux"]))
        else:
            bad += 1  # (an empty token is a missing field: a rejection too)
    body = "".join(line + draw(EOL) for line in lines)
    if draw(st.booleans()):
        body = body.rstrip("\r\n")  # no final line end
    data = body.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:  # an undecodable byte somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\xe9" + data[at:]
        unsure, good, bad = unsure + good + bad + 1, 0, 0  # + 1: after the last line end it makes a new line
        valid = None
    return data, good, bad, unsure, valid


@settings(max_examples=150, deadline=None)
@given(light_curve())
def test_generated_files_parse_into_rows_plus_rejections_equal_data_lines(case):
    data, good, bad, unsure, _ = case
    expected = data_lines(data)
    try:
        out = parse_bytes(data, "gen.dat", "gen", "0" * 64)
    except loader_parse.FileRejected:
        assert b"\0" in data or not has_column_header(data) or b"\xe9" in data  # binary, no column header
        return
    assert expected is not None
    assert len(out.t) + len(out.rejects) == out.data_lines == expected
    assert good <= len(out.t) <= good + unsure
    assert bad <= len(out.rejects) <= bad + unsure
    lines = [r[0] for r in out.rejects]
    assert lines == sorted(set(lines))


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "gen.db"
    conn = connect(path)
    yield conn, path.parent
    conn.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(light_curve(), min_size=1, max_size=4))
def test_generated_files_load_with_nothing_lost(shared_db, cases):
    conn, root = shared_db
    dataset = uuid.uuid4().hex
    d = root / dataset
    d.mkdir()
    for i, (data, *_) in enumerate(cases):
        (d / f"f{i}.dat").write_bytes(data)
    load_files(conn, list_files(d), dataset, jobs=1)
    for i, (data, good, bad, unsure, valid) in enumerate(cases):
        row = conn.execute("select fileId, status, rowsLoaded, rowsRejected from sourceFiles "
                           "where dataset = ? and name = ?", (dataset, f"f{i}")).fetchone()
        file_id, status, loaded, rejected = row
        n_rows = conn.execute("select count(*) from rawPhot join objects using (objId) where dataset = ? "
                              "and name = ?", (dataset, f"f{i}")).fetchone()[0]
        n_rej = conn.execute("select count(*) from rejects where fileId = ?", (file_id,)).fetchone()[0]
        if status == "failed":
            assert b"\0" in data or not has_column_header(data) or b"\xe9" in data
            assert n_rows == n_rej == 0
        elif status == "duplicate":
            assert any(data == other[0] for other in cases[:i])
        else:
            assert (n_rows, n_rej) == (loaded, rejected)
            assert n_rows + n_rej == data_lines(data)
            if valid is not None and not unsure:
                got = conn.execute("select t, pb, flux, dflux from rawPhot join objects using (objId) "
                                   "where dataset = ? and name = ?", (dataset, f"f{i}")).fetchall()
                assert sorted(got) == sorted(valid)  # the values, exactly
    shutil.rmtree(d)
