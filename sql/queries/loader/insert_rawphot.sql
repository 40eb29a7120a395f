insert into rawPhot (objId, t, pb, flux, dflux) values (?, ?, ?, ?, ?)
