-- the GP features of one object per band
select pb, nPoints, peakFlux, peakTime, riseTime, riseCensored, declineTime, lengthScale, chi2Red, converged
from lcGPFeats
where objId = :objId
order by instr('ugrizy', pb)
