-- make gp's results per band (of :dataset, or every dataset)
select g.pb,
       count(*) as bands,
       sum(g.lengthScale is not null) as fitted,
       sum(g.nPoints < 3) as tooFewPoints,
       sum(g.converged = 0) as notConverged,
       avg(g.lengthScale) as meanLengthScale,
       avg(g.chi2Red) as meanChi2Red
from lcGPFeats as g
join objects as o on o.objId = g.objId
where :dataset is null or o.dataset = :dataset
group by g.pb
order by instr('ugrizy', g.pb)
