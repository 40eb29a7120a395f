-- Every candidate of every training with its cross-validated scores (the exercise's single split:
-- cvAccuracy, cvBalancedAccuracy; repeated stratified CV: cvBalancedAccuracyMean ± Std, cvRecall); latestTraining = 1 marks
-- the most recent `make train`, chosen = 1 the model its rule picked.
drop view if exists modelComparison;
create view modelComparison as
with latest as (
    select max(trainingId) as trainingId from trainings
),

final as (
    select
        r.trainingId,
        r.runId,
        r.model,
        r.dataset,
        r.nObjects,
        r.cvAccuracy,
        r.cvBalancedAccuracy,
        r.cvBalancedAccuracyMean,
        r.cvBalancedAccuracyStd,
        r.cvRepeats,
        r.cvRecall,
        r.fitSeconds,
        r.predictSecondsPerObject,
        r.chosen,
        r.trainingId = latest.trainingId as latestTraining,
        r.params,
        r.createdAt
    from modelRuns as r
    cross join latest
)

select * from final;
