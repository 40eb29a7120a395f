-- objId and label of the objects of :objIds (a JSON array) that have one, in objId order
select l.objId, l.label
from json_each(:objIds) as j
join lcLabels as l on l.objId = j.value
order by l.objId
