insert or replace into temp.batchObjects (objId, diaSourceId, alertKey, ra, dec, mjd)
values (:objId, :diaSourceId, :alertKey, :ra, :dec, :mjd)
