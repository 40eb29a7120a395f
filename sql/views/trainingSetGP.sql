-- The training matrix with the optional GP feature set: trainingSet's labelled objects with
-- objectFeaturesGP's columns (lcFeats, then GP features; NULL where make gp has not run).
drop view if exists trainingSetGP;
create view trainingSetGP as
with labelled as (
    select * from objectFeaturesGP
    where label is not null
),

final as (
    select * from labelled
)

select * from final;
