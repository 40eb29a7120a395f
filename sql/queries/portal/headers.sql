-- the object's #key:value header lines in file order
select line, key, value
from objectHeaders
where objId = :objId
order by line
