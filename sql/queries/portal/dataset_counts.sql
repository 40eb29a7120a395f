-- per dataset: objects, labelled objects, objects predicted by any run
select
    o.dataset,
    count(*) as objects,
    count(l.objId) as labelled,
    sum(exists (select 1 from predictions as p where p.objId = o.objId)) as predicted
from objects as o
left join lcLabels as l on l.objId = o.objId
group by o.dataset
order by o.dataset
