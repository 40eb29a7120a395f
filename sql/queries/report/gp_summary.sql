-- make gp's results per band (of :dataset, or every dataset); atBound and badFit: fits not to trust
-- (migration 005)
select g.pb,
       count(*) as bands,
       sum(g.lengthScale is not null) as fitted,
       sum(g.nPoints < 3) as tooFewPoints,
       sum(g.converged = 0) as notConverged,
       sum(g.atBound = 1) as atBound,
       sum(g.badFit = 1) as badFit,
       sum(g.atBound = 1 or g.badFit = 1) as notToTrust,
       avg(g.lengthScale) as meanLengthScale,
       avg(g.chi2Red) as meanChi2Red
from lcGPFeats as g
join objects as o on o.objId = g.objId
where :dataset is null or o.dataset = :dataset
group by g.pb
order by instr('ugrizy', g.pb)
