-- What early classification leaves out, over every run: classifications in the stream's history,
-- those of labelled objects, and those the view could not place at an alert (atAlert = 0)
select
    count(*) as nClassifications,
    coalesce(sum(case when trueLabel is not null then 1 else 0 end), 0) as nLabelled,
    coalesce(sum(case when atAlert = 0 then 1 else 0 end), 0) as nUnplaced,
    group_concat(distinct dataset) as datasets
from earlyClassifications
