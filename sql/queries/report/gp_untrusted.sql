-- the GP fits not to trust (of :dataset, or every dataset), worst reduced chi2 first, :top of them
select o.name,
       o.dataset,
       g.pb,
       g.nPoints,
       g.lengthScale,
       g.amplitude,
       g.chi2Red,
       g.atBound,
       g.badFit
from lcGPFeats as g
join objects as o on o.objId = g.objId
where (g.atBound = 1 or g.badFit = 1)
  and (:dataset is null or o.dataset = :dataset)
order by g.chi2Red desc, o.name, instr('ugrizy', g.pb)
limit :top
