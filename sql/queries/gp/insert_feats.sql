insert into lcGPFeats (
    objId, pb, nPoints, nGrid, peakFlux, peakTime, riseTime, riseCensored, declineTime,
    lengthScale, amplitude, logMarginalLikelihood, chi2Red, converged
) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
