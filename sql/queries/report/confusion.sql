-- true vs predicted class counts for run :runId over labelled objects (of :dataset, or all datasets)
select trueLabel, predicted, count(*) as n
from objectPredictions
where runId = :runId
  and trueLabel is not null
  and (:dataset is null or dataset = :dataset)
group by trueLabel, predicted
order by trueLabel, predicted
