-- Spark SQL: the micro-batch's messages that could not be used, with the reason (view streamDecoded).
select d.partition, d.offset, d.id as diaSourceId, d.reason
from streamDecoded as d
where d.kind = 'failure'
