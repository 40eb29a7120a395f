-- how many objects of :dataset were training objects of the training behind run :runId
select count(*)
from trainingFolds as tf
join modelRuns as r on r.trainingId = tf.trainingId
join objects as o on o.objId = tf.objId
where r.runId = :runId and o.dataset = :dataset
