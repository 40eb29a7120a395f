-- the :top most anomalous objects of :dataset (every object when :top is null)
select rank, name, trueLabel, predicted, score, objId
from anomalyRanking
where dataset = :dataset
order by rank
limit coalesce(:top, -1)
