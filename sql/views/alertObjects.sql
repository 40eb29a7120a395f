-- One row per alert object: position, how many alerts and measurements it has, when it was last
-- seen, and its latest class by the chosen model (NULL before any model). Plain SQL (stock sqlite3).
drop view if exists alertObjects;
create view alertObjects as
with alertCounts as (
    select objId, count(*) as nAlerts, min(t) as firstAlertMjd, max(t) as lastAlertMjd,
           max(processedAt) as lastProcessedAt
    from alerts
    where objId is not null
    group by objId
),

phot as (
    select objId, count(*) as nPoints, sum(case when kind = 0 then 1 else 0 end) as nForced
    from alertPhot
    group by objId
),

chosen as (
    select runId from modelRuns where chosen = 1 order by trainingId desc limit 1
),

final as (
    select
        o.objId,
        o.dataset,
        o.name,
        d.diaObjectId,
        d.ra,
        d.dec,
        a.nAlerts,
        p.nPoints,
        p.nForced,
        a.firstAlertMjd,
        a.lastAlertMjd,
        a.lastProcessedAt,
        pr.label as predicted,
        pr.score,
        pr.predictedAt
    from diaObjects as d
    join objects as o on o.objId = d.objId
    left join alertCounts as a on a.objId = d.objId
    left join phot as p on p.objId = d.objId
    left join predictions as pr on pr.objId = d.objId and pr.runId = (select runId from chosen)
)

select * from final;
