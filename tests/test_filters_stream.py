"""The stream runs watchlists, filters and deliveries after each committed batch."""

import json
import subprocess
import sys

from broker.db import connect
from filters import watchlist
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
    r = subprocess.run([sys.executable, "-m", "broker.cli", "stream", "--db", str(db), "--jobs", "1", str(alerts_dir)],
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
    r2 = subprocess.run([sys.executable, "-m", "broker.cli", "stream", "--db", str(db), "--jobs", "1", str(alerts_dir)],
                        capture_output=True, text=True)
    assert r2.returncode == 0, r2.stderr
    assert conn.execute("select count(*) from watchlistHits").fetchone()[0] == len(mine)
