-- the rows of run :runId for the objects of :dataset (a re-run replaces them)
delete from predictions
where runId = :runId
  and objId in (select objId from objects where dataset = :dataset)
