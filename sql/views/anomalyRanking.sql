-- Anomaly scores per dataset, most anomalous first, with names, true labels (NULL when unknown)
-- and the class predicted by the chosen model of the latest training (the chosenRun view; NULL when
-- not predicted). The prediction is looked up by its primary key (objId, runId): joining all the
-- chosen run's predictions instead scanned them once per anomaly row (quadratic at 10^5 objects).
drop view if exists anomalyRanking;
create view anomalyRanking as
with final as (
    select
        ar.dataset,
        a.rank,
        o.objId,
        o.name,
        l.label as trueLabel,
        p.label as predicted,
        a.score,
        a.anomalyRunId
    from anomalies as a
    join anomalyRuns as ar on ar.anomalyRunId = a.anomalyRunId
    join objects as o on o.objId = a.objId
    left join lcLabels as l on l.objId = a.objId
    left join predictions as p on p.objId = a.objId and p.runId = (select runId from chosenRun)
)

select * from final;
