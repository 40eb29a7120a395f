"""Watchlists: named lists of sky positions, each with a radius; every alert is matched against all.

Spatial index: declination zones of ``ZONE_DEG`` degrees (zone = floor((dec + 90) / ZONE_DEG)) and
an index on (watchlist, zone, ra). An alert at (ra, dec) probes, per watchlist, only the zones
within the watchlist's largest radius and, in each, the right-ascension interval
ra ± radius / cos(dec) (split at 0/360; the whole circle near a pole): index range scans, never a
pass over every source. The exact separation (haversine) then decides, against each source's own radius.
"""

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import apsw
import numpy as np

from minibroker.core.db import immediate
from minibroker.core.errors import UserError
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render

ZONE_DEG = 0.05            # 3 arcmin zones
MAX_RADIUS = 3600.0        # arcsec: one degree at most per source
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
COLUMNS = ("name", "ra", "dec", "radius")


@dataclass
class Source:
    line: int
    name: str
    ra: float
    dec: float
    radius: float


def zone_of(dec: float) -> int:
    return int(math.floor((dec + 90.0) / ZONE_DEG))


def read_csv(path: Path) -> list[Source]:
    """The sources of a ``name,ra,dec,radius`` CSV (degrees, radius in arcsec); UserError naming the
    first bad line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path} ({exc}): give CSV=file with name,ra,dec,radius columns") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip().lower() for c in rows[0]] != list(COLUMNS):
        raise UserError(f"{path}:1: the header must be exactly name,ra,dec,radius (degrees, radius in arcsec)")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 4:
            raise UserError(f"{path}:{line}: expected 4 fields (name,ra,dec,radius), found {len(row)}: fix that line")
        name = row[0].strip()
        if not name:
            raise UserError(f"{path}:{line}: the source name is empty: fix that line")
        try:
            ra, dec, radius = (float(v) for v in row[1:])
        except ValueError:
            raise UserError(f"{path}:{line}: ra, dec and radius must be numbers, not {row[1:]!r}: fix that line") from None
        if not (math.isfinite(ra) and 0 <= ra < 360):
            raise UserError(f"{path}:{line}: ra {row[1].strip()} is outside [0, 360) degrees: fix that line")
        if not (math.isfinite(dec) and -90 <= dec <= 90):
            raise UserError(f"{path}:{line}: dec {row[2].strip()} is outside [-90, 90] degrees: fix that line")
        if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS):
            raise UserError(f"{path}:{line}: radius {row[3].strip()} must be in (0, {MAX_RADIUS:g}] arcsec: fix that line")
        out.append(Source(line, name, ra, dec, radius))
    if not out:
        raise UserError(f"{path}: holds no sources: give a CSV with a name,ra,dec,radius header and rows")
    return out


def load(conn: apsw.Connection, name: str, path: Path) -> int:
    """Replace watchlist ``name`` by the sources of ``path`` (all or nothing); returns how many."""
    if not _NAME.match(name):
        raise UserError(f"watchlist name {name!r}: use letters, digits, '.', '_' or '-'")
    sources = read_csv(path)  # every line checked before anything is written
    with immediate(conn):
        conn.execute(render("filtering/delete_watchlist.sql"), {"name": name})
        conn.execute(render("filtering/insert_watchlist.sql"), {
            "name": name, "path": str(Path(path).resolve()), "nSources": len(sources),
            "maxRadius": max(s.radius for s in sources), "loadedAt": utc_now()})
        conn.executemany(render("filtering/insert_watchlist_source.sql"), (
            (name, s.line, s.name, s.ra, s.dec, s.radius, zone_of(s.dec)) for s in sources))
    return len(sources)


def _probes(ra: np.ndarray, dec: np.ndarray, watchlist: str, radius_arcsec: float):
    """(k, watchlist, zone, raLo, raHi) rows covering each position's search circle."""
    r = radius_arcsec / 3600.0
    zlo = np.floor((dec + 90.0 - r) / ZONE_DEG).astype(np.int64)
    zhi = np.floor((dec + 90.0 + r) / ZONE_DEG).astype(np.int64)
    edge = np.minimum(np.abs(dec) + r, 90.0)
    with np.errstate(divide="ignore"):
        dra = np.where(edge > 89.9, 400.0, r / np.cos(np.radians(edge)))
    for k in range(len(ra)):
        lo, hi = ra[k] - dra[k], ra[k] + dra[k]
        if dra[k] >= 180:
            spans = ((0.0, 360.0),)
        elif lo < 0:
            spans = ((lo + 360.0, 360.0), (0.0, hi))
        elif hi >= 360:
            spans = ((lo, 360.0), (0.0, hi - 360.0))
        else:
            spans = ((lo, hi),)
        for zone in range(int(zlo[k]), int(zhi[k]) + 1):
            for a, b in spans:
                yield (k, watchlist, zone, float(a), float(b))


def separation_arcsec(ra1, dec1, ra2, dec2) -> np.ndarray:
    """Great-circle separation (haversine), degrees in, arcsec out."""
    ra1, dec1, ra2, dec2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (ra1, dec1, ra2, dec2))
    h = np.sin((dec2 - dec1) / 2) ** 2 + np.cos(dec1) * np.cos(dec2) * np.sin((ra2 - ra1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))) * 3600.0


def match_positions(conn: apsw.Connection, ra, dec) -> list[tuple[int, str, str, float]]:
    """(k, watchlist, source, separation arcsec) for every position k within a source's radius."""
    ra = np.asarray(ra, dtype=np.float64)
    dec = np.asarray(dec, dtype=np.float64)
    lists = conn.execute(render("filtering/watchlist_radii.sql")).fetchall()
    if not lists or not len(ra):
        return []
    with conn:
        conn.execute(render("filtering/watchlist_probe_table.sql"))
        for name, radius in lists:
            conn.executemany(render("filtering/insert_probe.sql"), _probes(ra, dec, name, radius))
        cand = conn.execute(render("filtering/watchlist_candidates.sql")).fetchall()
    if not cand:
        return []
    k = np.array([c[0] for c in cand], dtype=np.int64)
    sep = separation_arcsec(ra[k], dec[k], [c[3] for c in cand], [c[4] for c in cand])
    return [(int(c[0]), c[1], c[2], float(s)) for c, s in zip(cand, sep.tolist()) if s <= c[5]]


def match_alerts(conn: apsw.Connection, alerts: list[dict], batch: str) -> int:
    """Store the ``watchlistHits`` of a batch's alerts (those with a position); returns new hits."""
    placed = [a for a in alerts if a.get("ra") is not None and a.get("dec") is not None and a.get("objId") is not None]
    if not placed:
        return 0
    hits = match_positions(conn, [a["ra"] for a in placed], [a["dec"] for a in placed])
    if not hits:
        return 0
    now = utc_now()
    before = conn.total_changes()
    with immediate(conn):
        conn.executemany(render("filtering/insert_hit.sql"), (
            (wl, src, int(placed[k]["objId"]), placed[k].get("diaSourceId"),
             f"dia:{int(placed[k]['diaSourceId'])}" if placed[k].get("diaSourceId") is not None else f"obj:{placed[k]['objId']}",
             sep, batch, now) for k, wl, src, sep in hits))
    return conn.total_changes() - before
