-- Spark SQL: the micro-batch's detections (the alerts' diaSource and prvDiaSources) not stored by an
-- earlier batch, each once (views streamDecoded, storedSources).
with ranked as (
    select
        d.*,
        row_number() over (partition by d.id order by d.diaObjectId, d.visit) as k
    from streamDecoded as d
    where d.kind = 'source'
)

select
    r.id as diaSourceId, r.diaObjectId, r.visit, r.t, r.band, r.psfFlux, r.psfFluxErr, r.snr, r.ra, r.dec
from ranked as r
left anti join storedSources as s on s.diaSourceId = r.id
where r.k = 1
