-- objId and version of the objects of :objIds (a JSON array) that exist
select o.objId, o.version
from json_each(:objIds) as j
join objects as o on o.objId = j.value
