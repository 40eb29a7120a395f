-- Spark SQL: every exported object with the contentHash of the file its photometry came from
-- (NULL when it has none), which import-features checks before storing its results.
select o.objId, s.contentHash
from objects as o
left join sourceFiles as s on s.fileId = o.fileId
