insert into temp.batchForced (diaForcedSourceId, diaObjectId, visit, t, band, psfFlux, psfFluxErr)
values (?, ?, ?, ?, ?, ?, ?)
