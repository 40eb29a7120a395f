-- the rejected lines of one file, with their reasons
select line, text, reason
from rejects
where fileId = :fileId
order by line
