-- Saved selection: the cross-validated confusion matrix of a training run, pooled over every split of
-- its repeated stratified cross-validation (cvObjectOutcomes, make train): rows true class, predicted
-- class, times; names from classNames where known. Not in-sample, unlike make predict on the
-- training set itself.
-- :runId = 0         modelRuns.runId (0: the chosen run of the latest training)
with chosen as (
    select coalesce(nullif(:runId, 0),
                    (select runId from modelRuns where chosen = 1 order by trainingId desc limit 1)) as runId
),

pooled as (
    select c.label as trueClass, cast(j.key as integer) as predicted, sum(j.value) as n
    from cvObjectOutcomes as c
    join chosen on chosen.runId = c.runId
    cross join json_each(c.predictions) as j
    group by 1, 2
),

final as (
    select
        p.trueClass,
        coalesce(t.name, p.trueClass) as trueName,
        p.predicted,
        coalesce(n.name, p.predicted) as predictedName,
        p.n
    from pooled as p
    left join classNames as t on t.label = p.trueClass
    left join classNames as n on n.label = p.predicted
)

select * from final order by trueClass, predicted;
