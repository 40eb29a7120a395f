"""The stream runs watchlists, filters and deliveries after each committed batch."""

import json
import subprocess
import sys

from minibroker.database import connect
from minibroker.filters import watchlist
from stream_helpers import read_alerts, simulated


def test_stream_batches_hit_a_watchlist_and_run_every_filter(tmp_path):
    alerts_dir = simulated(tmp_path / "alerts", n=10, nights=60)
    files = sorted(alerts_dir.glob("*.avro"))
    first = read_alerts(files[0])[0]
    target = first["diaSource"]
    db = tmp_path / "s.db"
    conn = connect(db)
    (tmp_path / "w.csv").write_text(f"name,ra,dec,radius\nmine,{target['ra']!r},{target['dec']!r},2\n"
                                    "nowhere,1.0,-80.0,1\n")
    watchlist.load(conn, "w", tmp_path / "w.csv")
    conn.close()
    r = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "stream", "--db", str(db), "--jobs", "1", str(alerts_dir)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    filter_lines = [x for x in r.stdout.splitlines() if ": filters " in x]
    assert len(filter_lines) == len(files), r.stdout
    assert all("4 of 4 ran" in x for x in filter_lines), filter_lines
    conn = connect(db, readonly=True)
    # every alert of the watched object hits (all its detections lie within 2" of its first one)
    obj = conn.execute("select objId from alerts where diaSourceId = ?", (first["diaSourceId"],)).fetchone()[0]
    hits = conn.execute("select diaSourceId, objId, source from watchlistHits order by diaSourceId").fetchall()
    mine = [a for (a,) in conn.execute("select diaSourceId from alerts where objId = ? order by diaSourceId", (obj,))]
    assert [h[0] for h in hits] == mine and {h[1] for h in hits} == {obj} and {h[2] for h in hits} == {"mine"}
    near = [a for (a,) in conn.execute(
        "select diaSourceId from filterMatches where filter = 'near_watchlist' order by diaSourceId")]
    assert near == mine
    lines = [json.loads(x) for x in (tmp_path / "deliveries" / "near_watchlist.jsonl").read_text().splitlines()]
    assert sorted(x["diaSourceId"] for x in lines) == mine
    assert all(x["diaSource"]["ra"] is not None and x["objectName"] == str(first["diaObject"]["diaObjectId"])
               for x in lines)
    runs = conn.execute("select count(distinct batch), count(*) from filterRuns").fetchone()
    assert runs == (len(files), 4 * len(files))
    # replaying the same files: nothing new anywhere
    r2 = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "stream", "--db", str(db), "--jobs", "1", str(alerts_dir)],
                        capture_output=True, text=True)
    assert r2.returncode == 0, r2.stderr
    assert conn.execute("select count(*) from watchlistHits").fetchone()[0] == len(mine)


def test_a_batch_whose_filters_never_ran_is_caught_up(tmp_path):
    """A kill after the stream's commit and before the filters' leaves the batch queued; the next
    batch runs it first, so every batch's matches are made (at least once)."""
    from minibroker.filters.run import Engine, queue_batch
    from minibroker.core.db import immediate

    alerts_dir = simulated(tmp_path / "alerts", n=6, nights=30)
    files = sorted(alerts_dir.glob("*.avro"))
    target = read_alerts(files[0])[0]["diaSource"]
    db = tmp_path / "s.db"
    conn = connect(db)
    (tmp_path / "w.csv").write_text(f"name,ra,dec,radius\nmine,{target['ra']!r},{target['dec']!r},2\n")
    watchlist.load(conn, "w", tmp_path / "w.csv")
    conn.close()
    r = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "stream", "--db", str(db), "--jobs", "1", "--no-filters",
                        str(alerts_dir)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    conn = connect(db)
    assert conn.execute("select count(*) from filterQueue").fetchone()[0] == 0   # --no-filters queues nothing
    alerts = [{"diaSourceId": a, "objId": o, "ra": ra, "dec": dec, "mjd": t, "band": b}
              for a, o, ra, dec, t, b in conn.execute(
                  "select a.diaSourceId, a.objId, s.ra, s.dec, a.t, a.band from alerts a "
                  "join diaSources s using (diaSourceId) order by a.diaSourceId")]
    with immediate(conn):   # as the stream leaves a batch committed but not yet filtered
        queue_batch(conn, [a["objId"] for a in alerts], {"id": "killed", "alerts": alerts}, "2026-01-01T00:00:00")
    engine = Engine(db, deliveries_dir=tmp_path / "out")
    summary = engine.after_batch([], {"id": "next"})
    assert summary.batch == "next"
    assert conn.execute("select count(*) from filterQueue").fetchone()[0] == 0
    assert conn.execute("select count(distinct batch) from filterRuns").fetchone()[0] == 2
    hits = conn.execute("select count(*) from watchlistHits where batch = 'killed'").fetchone()[0]
    near = conn.execute("select count(*) from filterMatches where filter = 'near_watchlist' and batch = 'killed'")
    assert hits > 0 and near.fetchone()[0] == hits
    engine.close()
