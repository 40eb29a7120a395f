-- Predictions with the object's name, dataset and true label (NULL when unknown), and the run's model.
drop view if exists objectPredictions;
create view objectPredictions as
with final as (
    select
        p.runId,
        r.model,
        r.chosen,
        o.objId,
        o.dataset,
        o.name,
        p.label as predicted,
        l.label as trueLabel,
        case when l.label is null then null else l.label = p.label end as correct,
        p.score,
        p.scoreKind,
        p.scores,
        p.predictedAt
    from predictions as p
    join objects as o on o.objId = p.objId
    join modelRuns as r on r.runId = p.runId
    left join lcLabels as l on l.objId = p.objId
)

select * from final;
