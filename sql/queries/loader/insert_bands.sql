insert into lcBands (objId, pb, n, t, flux, dflux) values (?, ?, ?, ?, ?, ?)
