-- The model chosen by the most recent training (no row before make train): the one place that says
-- which run "the chosen model" is. Predictions, the anomaly ranking and the report read it.
drop view if exists chosenRun;
create view chosenRun as
with latest as (
    select runId, model, trainingId
    from modelRuns
    where chosen = 1
    order by trainingId desc
    limit 1
)

select * from latest;
