"""The alert schemas: every version the ``lsst-alert-packet`` package ships, read from the package.

Nothing is copied from the package: the versions are its ``schema/M/m`` directories, ``latest`` is
its ``latest.txt``, and each version is parsed from its own ``lsst.vM_m.alert.avsc`` (fastavro
resolves the referenced diaSource, diaForcedSource, diaObject … files beside it).

Decoding uses ``cavro`` (a Cython Avro codec, ~6x fastavro's full decode on these packets, the
same values for every version's sample alert: tests/test_stream_decode.py); fastavro reads container
headers, splits files into blocks and writes alerts.

Field names changed over the versions (``midPointTai`` → ``midpointMjdTai``, ``filterName`` →
``band``, ``psFlux`` → ``psfFlux``, ``decl`` → ``dec``, ``ccdVisitId`` → ``visit``);
:class:`Fields` holds the names one version uses, found in its schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import attrgetter
from pathlib import Path

import fastavro
from fastavro.schema import load_schema, to_parsing_canonical_form

# the meaning MiniBroker needs -> the names used by the schema versions, newest first
_ALIASES = {
    "t": ("midpointMjdTai", "midPointTai"),
    "band": ("band", "filterName"),
    "flux": ("psfFlux", "psFlux"),
    "err": ("psfFluxErr", "psFluxErr"),
    "dec": ("dec", "decl"),
    "visit": ("visit", "ccdVisitId"),
}


@dataclass(frozen=True)
class Fields:
    """The field names of one schema version, per record type."""

    source: dict    # meaning -> diaSource field name
    forced: dict    # meaning -> diaForcedSource field name
    obj_dec: str    # diaObject's declination


@dataclass
class Version:
    major: int
    minor: int
    parsed: dict          # fastavro's parsed schema of the alert record
    canonical: str        # Avro parsing canonical form, to recognise a writer schema
    fields: Fields

    @cached_property
    def codec(self):
        """cavro's schema for this version (records decode to objects with attribute access)."""
        import cavro

        return cavro.Schema(json.dumps(self.parsed))

    @cached_property
    def getters(self) -> tuple:
        """(diaSource, diaForcedSource) -> the tuple of fields MiniBroker stores, one C call each."""
        f = self.fields
        source = attrgetter("diaSourceId", "diaObjectId", f.source["visit"], f.source["t"], f.source["band"],
                            f.source["flux"], f.source["err"], "snr", "ra", f.source["dec"])
        forced = attrgetter("diaForcedSourceId", "diaObjectId", f.forced["visit"], f.forced["t"], f.forced["band"],
                            f.forced["flux"], f.forced["err"])
        return source, forced

    @property
    def text(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def schema_id(self) -> int:
        """The id in the Confluent wire format Rubin uses: major * 100 + minor."""
        return self.major * 100 + self.minor


def schema_root() -> Path:
    from lsst.alert.packet import get_schema_root

    return Path(str(get_schema_root()))


def latest() -> tuple[int, int]:
    from lsst.alert.packet import get_latest_schema_version

    return get_latest_schema_version()


@lru_cache(maxsize=None)
def _paths() -> dict[tuple[int, int], Path]:
    """(major, minor) -> the alert schema file of every version the package ships."""
    out = {}
    for major_dir in schema_root().iterdir():
        if not major_dir.name.isdigit():
            continue
        for minor_dir in major_dir.iterdir():
            major, minor = int(major_dir.name), minor_dir.name
            if not minor.isdigit():
                continue
            path = minor_dir / f"lsst.v{major}_{minor}.alert.avsc"
            if path.is_file():
                out[(major, int(minor))] = path
    if not out:
        raise RuntimeError(f"lsst-alert-packet ships no alert schemas under {schema_root()}: reinstall it")
    return dict(sorted(out.items()))


@lru_cache(maxsize=None)
def version(key: tuple[int, int]) -> Version | None:
    """One version, parsed when first asked for (parsing all 15 costs ~0.7 s)."""
    path = _paths().get(key)
    return None if path is None else _version(key[0], key[1], path)


def versions() -> dict[tuple[int, int], Version]:
    """Every alert schema version the package ships, parsed, keyed by (major, minor)."""
    return {key: version(key) for key in _paths()}


def _version(major: int, minor: int, path: Path) -> Version:
    parsed = load_schema(str(path))
    records = _records(parsed)
    source = _names(records, "diaSource")
    forced = _names(records, "diaForcedSource")
    obj = {f["name"] for f in records["diaObject"]["fields"]}
    return Version(major, minor, parsed, to_parsing_canonical_form(parsed),
                   Fields(source, forced, "dec" if "dec" in obj else "decl"))


def _records(schema, out=None) -> dict:
    """Named record types of a parsed schema by short name (diaSource, diaObject, …)."""
    out = {} if out is None else out
    if isinstance(schema, dict):
        if schema.get("type") == "record":
            out.setdefault(schema["name"].rsplit(".", 1)[-1], schema)
            for f in schema["fields"]:
                _records(f["type"], out)
        elif schema.get("type") == "array":
            _records(schema["items"], out)
    elif isinstance(schema, list):
        for s in schema:
            _records(s, out)
    return out


def _names(records: dict, record: str) -> dict:
    have = {f["name"] for f in records[record]["fields"]}
    names = {}
    for meaning, candidates in _ALIASES.items():
        names[meaning] = next((c for c in candidates if c in have), None)
    return names


def by_id(schema_id: int) -> Version | None:
    return version(divmod(schema_id, 100))


def match(writer_schema) -> Version | None:
    """The package's version whose schema is the writer schema of a container file, or None."""
    try:
        canonical = to_parsing_canonical_form(fastavro.parse_schema(writer_schema))
    except Exception:  # noqa: BLE001 - a header schema fastavro cannot parse matches nothing
        return None
    named = re.fullmatch(r"lsst\.v(\d+)_(\d+)\.alert", str(writer_schema.get("name", ""))
                         if isinstance(writer_schema, dict) else "")
    hint = version((int(named[1]), int(named[2]))) if named else None
    if hint is not None and hint.canonical == canonical:  # the usual case: its own name, one parse
        return hint
    for v in versions().values():
        if v.canonical == canonical:
            return v
    return None


def latest_version() -> Version:
    return version(latest())


def known_text() -> str:
    keys = list(_paths())
    return "%d.%d … %d.%d" % (keys[0] + keys[-1])
