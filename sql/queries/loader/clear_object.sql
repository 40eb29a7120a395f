-- forget what an object's previous file said, keeping its objId (and labels from a CSV)
delete from rawPhot where objId = :objId;
delete from lcBands where objId = :objId;
delete from objectHeaders where objId = :objId;
delete from lcFeats where objId = :objId;
delete from lcBandStats where objId = :objId;
delete from lcPeriodFeats where objId = :objId;
delete from lcGP where objId = :objId;
delete from lcGPFeats where objId = :objId;
delete from lcLabels where objId = :objId and source = 'header';
update objects set fileId = :fileId where objId = :objId;
