-- every match of the replay with the night it fired (the batch is the night's MJD)
select m.objId, o.name, cast(m.batch as integer) as night, l.label, m.payload
from main.filterMatches as m
join main.objects as o on o.objId = m.objId
left join main.lcLabels as l on l.objId = m.objId
order by night, m.objId
