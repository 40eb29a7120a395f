insert or ignore into temp.batchAlerts (diaSourceId, objId, ra, dec, mjd, band)
values (:diaSourceId, :objId, :ra, :dec, :mjd, :band)
