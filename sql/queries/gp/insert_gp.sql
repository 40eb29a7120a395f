insert into lcGP (objId, pb, t, flux, fluxErr) values (?, ?, ?, ?, ?)
