"""Simulated alert packets: the simulator's survey (sim/) as Rubin would send it.

Each simulated object becomes a diaObject at a random position on the sky. Every observation with
SNR = |flux| / dflux >= 5 is a detection and sends an alert with the latest schema of
``lsst-alert-packet``: the detection as ``diaSource``, the object's earlier detections of the last
12 months as ``prvDiaSources``, and forced photometry of its earlier visits of the last 12 months
(from 30 days before its first detection, when the object became known) as
``prvDiaForcedSources``. Fluxes are converted from the simulator's zero point 27.5 to nJy (zero
point 31.4). Alerts are written one Avro container file per night (``alerts_<MJD>.avro``,
written as ``.alerts_<MJD>.avro`` and renamed when complete). Same seed, same alerts.

The simulator knows each object's class: ``labels.csv`` beside the alert files holds
``name,label,className`` for every object with an alert in the files written, keyed as the stream
names objects (``objects.name`` = the diaObjectId as text), so ``make labels LABELS=DIR/labels.csv
DATASET=…`` labels the streamed objects (the stream reads only ``*.avro``).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import fastavro
import numpy as np

from minibroker.core.units import ZP_FILES, ZP_NJY
from minibroker.stream import schemas

BANDS = "ugrizy"
TO_NJY = 10 ** (0.4 * (ZP_NJY - ZP_FILES))   # simulator flux (zero point 27.5) -> nJy
HISTORY_DAYS = 365.0
PRECOVERY_DAYS = 30.0
OBJECT_ID_BASE = 10**15
SNR_MIN = 5.0
LABELS_FILE = "labels.csv"


def _defaults(record_schema: dict) -> dict:
    """A record with every field at null (nullable) or a zero of its type."""
    zero = {"long": 0, "int": 0, "float": 0.0, "double": 0.0, "string": "", "boolean": False, "bytes": b""}
    out = {}
    for f in record_schema["fields"]:
        t = f["type"]
        if isinstance(t, list):
            out[f["name"]] = None
        elif isinstance(t, str):
            out[f["name"]] = zero.get(t)
        else:
            out[f["name"]] = None
    return out


class AlertMaker:
    """Builds alert records of one schema version (the latest by default)."""

    def __init__(self, version: schemas.Version | None = None):
        self.version = version or schemas.latest_version()
        recs = schemas._records(self.version.parsed)
        self.source0 = _defaults(recs["diaSource"])
        self.forced0 = _defaults(recs["diaForcedSource"])
        self.object0 = _defaults(recs["diaObject"])
        self.alert0 = _defaults(recs["alert"])

    def source(self, sid, oid, visit, t, band, flux, err, ra, dec) -> dict:
        s = dict(self.source0)
        s.update(diaSourceId=sid, diaObjectId=oid, visit=visit, detector=0, midpointMjdTai=t, band=band,
                 psfFlux=flux, psfFluxErr=err, snr=abs(flux) / err, ra=ra, dec=dec, x=0.0, y=0.0,
                 isNegative=flux < 0)
        return s

    def forced(self, fid, oid, visit, t, band, flux, err, ra, dec) -> dict:
        s = dict(self.forced0)
        s.update(diaForcedSourceId=fid, diaObjectId=oid, visit=visit, detector=0, midpointMjdTai=t, band=band,
                 psfFlux=flux, psfFluxErr=err, ra=ra, dec=dec, timeProcessedMjdTai=t + 0.01)
        return s

    def alert(self, source: dict, prv_sources: list, prv_forced: list, ra: float, dec: float, t: float) -> dict:
        o = dict(self.object0)
        o.update(diaObjectId=source["diaObjectId"], validityStartMjdTai=t, ra=ra, dec=dec,
                 nDiaSources=len(prv_sources) + 1)
        a = dict(self.alert0)
        a.update(diaSourceId=source["diaSourceId"], diaSource=source, prvDiaSources=prv_sources,
                 prvDiaForcedSources=prv_forced, diaObject=o)
        return a


def visit_of(t: float) -> int:
    """A visit number from the observation time (30-s slots): visits of one object never share one."""
    return int(round(t * 86400.0 / 30.0))


def object_alerts(maker: AlertMaker, seed: int, index: int, t, band, flux, dflux) -> list[tuple[int, dict]]:
    """(night, alert) for every detection of one simulated object, in time order."""
    pos = np.random.default_rng([seed, index, 0xA1E7])
    ra = float(pos.uniform(0.0, 360.0))
    dec = float(np.degrees(np.arcsin(pos.uniform(-1.0, 0.5))))
    oid = OBJECT_ID_BASE + index
    order = np.argsort(t, kind="stable")
    t, band = np.asarray(t)[order], np.asarray(band)[order]
    flux, dflux = np.asarray(flux)[order] * TO_NJY, np.asarray(dflux)[order] * TO_NJY
    detected = np.abs(flux) / dflux >= SNR_MIN
    if not detected.any():
        return []
    first = t[detected][0]
    out = []
    sources, forced = [], []
    for k in range(len(t)):
        tk, b = float(t[k]), BANDS[int(band[k])] if not isinstance(band[k], str) else band[k]
        visit = visit_of(tk)
        if detected[k]:
            src = maker.source(oid * 1000 + k, oid, visit, tk, b, float(flux[k]), float(dflux[k]), ra, dec)
            keep = [s for s in sources if s["midpointMjdTai"] >= tk - HISTORY_DAYS]
            keep_f = [f for f in forced if f["midpointMjdTai"] >= tk - HISTORY_DAYS]
            out.append((int(np.floor(tk)), maker.alert(src, keep, keep_f, ra, dec, tk)))
            sources.append(src)
        if tk >= first - PRECOVERY_DAYS:
            forced.append(maker.forced(oid * 1000 + k, oid, visit, tk, b, float(flux[k]), float(dflux[k]), ra, dec))
    return out


def write_nights(out_dir: str | Path, alerts_by_night: dict[int, list[dict]], version=None) -> list[str]:
    """One container file per night, written under a hidden name and renamed when complete."""
    version = version or schemas.latest_version()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for night in sorted(alerts_by_night):
        final = out_dir / f"alerts_{night}.avro"
        tmp = out_dir / f".alerts_{night}.avro"
        with open(tmp, "wb") as fh:
            fastavro.writer(fh, version.parsed, alerts_by_night[night])
        os.replace(tmp, final)
        written.append(str(final))
    return written


def write_labels(out_dir: str | Path, labels: dict[int, int]) -> Path:
    """``labels.csv`` (name,label,className) for ``{diaObjectId: label}``, written under a hidden name
    and renamed when complete."""
    from minibroker.sim.classes import CLASSES

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final, tmp = out_dir / LABELS_FILE, out_dir / f".{LABELS_FILE}"
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "label", "className"])
        for oid in sorted(labels):
            w.writerow([str(oid), labels[oid], CLASSES[labels[oid]].name])
    os.replace(tmp, final)
    return final


def simulate_alerts(n: int, out_dir: str | Path, seed: int = 0, mix="realistic", nights: int | None = None,
                    first_night: int | None = None) -> dict:
    """Simulate ``n`` objects (as ``minibroker simulate``) and write their alerts per night, and the true
    class of every object with an alert in those nights (``labels.csv``).
    ``first_night``/``nights``: only the nights in that range (default: all)."""
    from minibroker.sim.run import parse_mix, simulate_object

    maker = AlertMaker()
    weights = parse_mix(mix)
    by_night: dict[int, list[tuple[float, dict]]] = {}
    label_of: dict[int, int] = {}
    for index in range(1, n + 1):
        lc = simulate_object(seed, index, mix=weights)
        label_of[OBJECT_ID_BASE + index] = int(lc.label)
        for night, alert in object_alerts(maker, seed, index, lc.t, lc.band, lc.flux, lc.dflux):
            by_night.setdefault(night, []).append(alert)
    if first_night is not None or nights is not None:
        lo = first_night if first_night is not None else min(by_night, default=0)
        hi = lo + nights if nights is not None else max(by_night, default=0) + 1
        by_night = {k: v for k, v in by_night.items() if lo <= k < hi}
    for v in by_night.values():
        v.sort(key=lambda a: (a["diaSource"]["midpointMjdTai"], a["diaSourceId"]))
    files = write_nights(out_dir, by_night, maker.version)
    alerted = {a["diaObject"]["diaObjectId"] for v in by_night.values() for a in v}
    labels = write_labels(out_dir, {oid: label_of[oid] for oid in alerted})
    return {"files": len(files), "alerts": sum(len(v) for v in by_night.values()),
            "schema": maker.version.text, "out_dir": str(out_dir), "labels": str(labels),
            "objects": len(alerted)}
