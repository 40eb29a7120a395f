-- the rows of run :runId for the objects of :objIds, a JSON array (a re-run replaces them)
delete from predictions
where runId = :runId
  and objId in (select value from json_each(:objIds))
