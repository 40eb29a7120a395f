-- Stream filter: every alert of the batch within a watchlist source's radius (make watchlist),
-- so a watchlist delivers its hits. Objects from files have no position and never hit.
-- stream: true
-- deliver: jsonl
select
    h.objId,
    h.diaSourceId,
    h.watchlist,
    h.source,
    round(h.separation, 3) as separationArcsec
from watchlistHits as h
join batchAlerts as a on a.diaSourceId = h.diaSourceId
