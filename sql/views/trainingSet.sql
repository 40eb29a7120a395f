-- The training matrix: objectFeatures of the labelled objects (features joined to labels).
-- NULL and -999 values are left as they are: model/matrix.py applies the missing-value rule.
drop view if exists trainingSet;
create view trainingSet as
with labelled as (
    select * from objectFeatures
    where label is not null
),

final as (
    select * from labelled
)

select * from final;
