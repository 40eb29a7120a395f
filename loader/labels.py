"""``make labels``: a ``name,label`` CSV (as ../shared/data/training_labels.csv) into lcLabels.

An optional class-name column (``className``, or ``type``; see ``loader.classnames``) names the
labels in ``classNames``; a label given two different names is an error.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import apsw

from minibroker.core.db import immediate
from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render


@dataclass
class LabelReport:
    labelled: int = 0
    unknown: list[str] = field(default_factory=list)   # names with no object in the dataset
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    names: dict[int, str] = field(default_factory=dict)   # class names the file gave


def read_labels(path: str | Path) -> tuple[list[tuple[int, str, int]], list[tuple[int, str]]]:
    """((line, name, label) rows, (line, reason) problems) of a CSV with a ``name,label`` header."""
    rows, bad, _ = read_labels_and_names(path)
    return rows, bad


def read_labels_and_names(path: str | Path):
    """``read_labels`` and the class names of an optional class-name column (label -> name)."""
    from minibroker.loader.classnames import NAME_COLUMNS

    path = Path(path)
    if not path.is_file():
        raise UserError(f"no labels file at {path}: give LABELS=file.csv with name,label columns")
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
            return _read(path, fh, NAME_COLUMNS)
    except csv.Error as exc:  # e.g. a field beyond the csv module's 128 kB limit
        raise UserError(f"{path}: not a readable CSV ({exc}): check the file") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}: check its permissions") from None


def _read(path, fh, name_columns):
    rows, bad, names = [], [], {}
    if True:  # (kept indented as before the split, for a small diff)
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        if "name" not in header or "label" not in header:
            raise UserError(f"{path}: line 1 must name the columns name,label (found {','.join(header)!r})")
        iname, ilabel = header.index("name"), header.index("label")
        iclass = next((header.index(c) for c in name_columns if c in header), None)
        for rec in reader:
            line = reader.line_num
            if not rec or not any(f.strip() for f in rec):
                continue
            if len(rec) != len(header):
                bad.append((line, f"expected {len(header)} fields, found {len(rec)}"))
                continue
            name, text = rec[iname].strip(), rec[ilabel].strip()
            if any("\udc80" <= ch <= "\udcff" for ch in name + text):
                bad.append((line, "not valid UTF-8 text: save the CSV as UTF-8"))
                continue
            if not (text.isascii() and len(text) <= 20):
                bad.append((line, f"label is not an integer: {text[:40]!r}"))
                continue
            try:
                label = int(text)
            except ValueError:
                bad.append((line, f"label is not an integer: {text[:40]!r}"))
                continue
            if not -(2**63) <= label < 2**63:
                bad.append((line, f"label {text[:40]} is beyond SQLite's 64-bit integers"))
                continue
            rows.append((line, name, label))
            cls = rec[iclass].strip() if iclass is not None else ""
            if cls:
                if names.get(label, cls) != cls:
                    raise UserError(f"{path}: line {line}: label {label} named both {names[label]!r} and "
                                    f"{cls!r}: one name per label")
                names[label] = cls
    return rows, bad, names


def load_labels(conn: apsw.Connection, path: str | Path, dataset: str) -> LabelReport:
    from minibroker.loader import classnames

    rows, bad, names = read_labels_and_names(path)
    report = LabelReport(bad=bad, names=names)
    objects = dict(conn.execute(render("queries/loader/label_targets.sql"), {"dataset": dataset}).fetchall())
    if not objects:
        raise UserError(f"dataset {dataset!r} has no objects: load it first, or name another with DATASET=")
    source = str(Path(path).resolve())
    remember = conn.execute(render("queries/hardening/has_csv_labels.sql")).fetchone()[0] > 0
    with immediate(conn):
        for _, name, label in rows:
            # remembered by name: the label comes back if the object is removed and loaded again
            if remember:
                conn.execute(render("queries/hardening/remember_csv_label.sql"),
                             {"dataset": dataset, "name": name, "label": label, "source": source})
            obj_id = objects.get(name)
            if obj_id is None:
                report.unknown.append(name)
                continue
            conn.execute(render("queries/loader/insert_label.sql"), {"objId": obj_id, "label": label, "source": source})
            report.labelled += 1
        classnames.store(conn, names, source)
    classnames.from_headers(conn)
    return report
