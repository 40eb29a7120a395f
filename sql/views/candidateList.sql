-- The portal's candidate list: every object the chosen model of the latest training predicted,
-- with the predicted class's probability, its known label (NULL when unknown) and anomaly rank.
drop view if exists candidateList;
create view candidateList as
with chosenRun as (
    select runId, model from modelRuns
    where chosen = 1
    order by trainingId desc
    limit 1
),

final as (
    select
        o.dataset,
        o.name,
        p.label as predicted,
        p.score,
        p.scoreKind,
        l.label as trueLabel,
        a.rank as anomalyRank,
        chosenRun.model,
        o.objId
    from predictions as p
    join chosenRun on chosenRun.runId = p.runId
    join objects as o on o.objId = p.objId
    left join lcLabels as l on l.objId = p.objId
    left join anomalies as a on a.objId = p.objId
)

select * from final;
