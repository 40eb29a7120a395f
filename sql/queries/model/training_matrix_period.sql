-- the training matrix of the "period" feature set: lcFeats and lcPeriodFeats of the labelled objects
-- (of :dataset, or of every dataset when it is null), ordered by objId (load order) as the folds require
select *
from trainingSetPeriod
where :dataset is null or dataset = :dataset
order by objId
