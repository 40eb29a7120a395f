-- Anomaly scores per dataset, most anomalous first, with names, true labels (NULL when unknown)
-- and the class predicted by the chosen model of the latest training (NULL when not predicted).
drop view if exists anomalyRanking;
create view anomalyRanking as
with predicted as (
    select p.objId, p.label
    from predictions as p
    join chosenRun on chosenRun.runId = p.runId
),

final as (
    select
        ar.dataset,
        a.rank,
        o.objId,
        o.name,
        l.label as trueLabel,
        predicted.label as predicted,
        a.score,
        a.anomalyRunId
    from anomalies as a
    join anomalyRuns as ar on ar.anomalyRunId = a.anomalyRunId
    join objects as o on o.objId = a.objId
    left join lcLabels as l on l.objId = a.objId
    left join predicted on predicted.objId = a.objId
)

select * from final;
