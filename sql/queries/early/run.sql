-- The run whose stream classifications early classification is measured on: the latest run with
-- classifications of labelled objects placed at an alert (earlyClassifications), with its model
-- and how many there are
select e.runId, r.model, count(*) as n
from earlyClassifications as e
join modelRuns as r on r.runId = e.runId
where e.trueLabel is not null
  and e.atAlert = 1
group by e.runId, r.model
order by e.runId desc
limit 1
