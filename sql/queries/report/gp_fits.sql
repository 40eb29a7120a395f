-- the GP fit of each band of one object: its length scale (how far the data constrain the curve)
-- and whether it is to be trusted (migration 005's flags)
select pb, lengthScale, chi2Red, converged, atBound, badFit
from lcGPFeats
where objId = :objId
order by instr('ugrizy', pb)
