insert into lcGP (objId, pb, t, flux, flux_err) values (?, ?, ?, ?, ?)
