-- the GP features of one object per band, with the flags of fits not to trust (migration 005)
select pb, nPoints, peakFlux, peakTime, riseTime, riseCensored, declineTime, lengthScale, chi2Red, converged,
       atBound, badFit
from lcGPFeats
where objId = :objId
order by instr('ugrizy', pb)
