-- labelled objects with features (of :dataset, or of every dataset when it is null), ordered by
-- objId (the order the files were loaded): the row order that fixes the cross-validation folds
select *
from trainingSet
where :dataset is null or dataset = :dataset
order by objId
