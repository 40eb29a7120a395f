-- the :top most anomalous objects (of :dataset, or of every dataset ranked by score)
select dataset, rank, objId, name, trueLabel, predicted, score
from anomalyRanking
where :dataset is null or dataset = :dataset
order by score desc, dataset, rank
limit :top
