-- The training matrix of the feature set "period": trainingSet's labelled objects with
-- objectFeaturesPeriod's columns (lcFeats, then lcPeriodFeats).
drop view if exists trainingSetPeriod;
create view trainingSetPeriod as
with labelled as (
    select * from objectFeaturesPeriod
    where label is not null
),

final as (
    select * from labelled
)

select * from final;
