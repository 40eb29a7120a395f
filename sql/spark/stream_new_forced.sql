-- Spark SQL: the micro-batch's forced measurements (prvDiaForcedSources) not stored by an earlier
-- batch, each once (views streamDecoded, storedForced).
with ranked as (
    select
        d.*,
        row_number() over (partition by d.id order by d.diaObjectId, d.visit) as k
    from streamDecoded as d
    where d.kind = 'forced'
)

select r.id as diaForcedSourceId, r.diaObjectId, r.visit, r.t, r.band, r.psfFlux, r.psfFluxErr
from ranked as r
left anti join storedForced as s on s.diaForcedSourceId = r.id
where r.k = 1
