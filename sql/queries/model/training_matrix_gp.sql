-- the training matrix of the "gp" feature set: lcFeats and GP features of the labelled objects
-- (of :dataset, or of every dataset when it is null), ordered by objId (load order) as the folds require
select *
from trainingSetGP
where :dataset is null or dataset = :dataset
order by objId
