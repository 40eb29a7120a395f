-- Per object, the prediction of the model chosen by the most recent training, with its class name.
-- Plain SQL (stock sqlite3 reads it). Stream filters join it to ask for a class and a score.
drop view if exists latestPredictions;
create view latestPredictions as
with chosen as (
    select r.runId
    from modelRuns as r
    where r.chosen = 1
    order by r.trainingId desc
    limit 1
),

final as (
    select
        p.objId,
        p.runId,
        p.label,
        c.name as className,
        p.score,
        p.scoreKind,
        p.scores,
        p.predictedAt
    from predictions as p
    join chosen on chosen.runId = p.runId
    left join classNames as c on c.label = p.label
)

select * from final;
