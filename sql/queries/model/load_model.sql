-- the stored model of :runId with the hash and library versions its run recorded
select r.modelSha256, r.libraries, m.format, m.bytes
from modelRuns as r
join models as m on m.runId = r.runId
where r.runId = :runId
