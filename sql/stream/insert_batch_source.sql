insert into temp.batchSources (diaSourceId, diaObjectId, visit, t, band, psfFlux, psfFluxErr, snr, ra, dec)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
