-- true vs predicted class counts of run :runId over the labelled objects it predicted
select l.label as trueLabel, p.label as predicted, count(*) as n
from predictions as p
join lcLabels as l on l.objId = p.objId
where p.runId = :runId
group by l.label, p.label
order by l.label, p.label
