-- Spark SQL: the micro-batch's alerts not stored by an earlier batch (a replay is skipped), the first
-- of each diaSourceId in Kafka order (views streamDecoded: the decoded batch, storedAlerts).
with ranked as (
    select
        d.*,
        row_number() over (partition by d.id order by d.partition, d.offset) as k
    from streamDecoded as d
    where d.kind = 'alert'
)

select
    r.id as diaSourceId, r.diaObjectId, r.ssObjectId, r.visit, r.t, r.band, r.schemaVersion,
    r.nPrvSources, r.nPrvForced, r.ra, r.dec, r.partition, r.offset
from ranked as r
left anti join storedAlerts as s on s.diaSourceId = r.id
where r.k = 1
