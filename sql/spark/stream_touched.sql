-- Spark SQL: the objects (diaObjectId, as objId) whose photometry the micro-batch may change: a new
-- usable measurement (a band of rawPhot, finite flux, error > 0, finite time) of an object an alert
-- names (views batchAlerts, storedAlerts, batchSources, batchForced). Spark orders NaN above every
-- number, so the bounds exclude NaN as SQLite's NULL does.
with known as (
    select diaObjectId from storedAlerts
    union
    select diaObjectId from batchAlerts
),

fresh as (
    select diaObjectId, t, band, psfFlux, psfFluxErr from batchSources
    union all
    select diaObjectId, t, band, psfFlux, psfFluxErr from batchForced
)

select distinct f.diaObjectId as objId
from fresh as f
join known as k on k.diaObjectId = f.diaObjectId
where f.band in ('u', 'g', 'r', 'i', 'z', 'y')
  and abs(f.psfFlux) <= 1.7976931348623157e308
  and f.psfFluxErr > 0 and f.psfFluxErr <= 1.7976931348623157e308
  and abs(f.t) <= 1.7976931348623157e308
