-- per dataset: objects, objects with features, labelled objects with features
select
    o.dataset,
    count(*) as objects,
    count(f.objId) as withFeatures,
    count(case when f.objId is not null and l.objId is not null then 1 end) as labelled
from objects as o
left join lcFeats as f on f.objId = o.objId
left join lcLabels as l on l.objId = o.objId
group by o.dataset
order by o.dataset
