-- forget the GP grid and features of the objects in :objIds before writing them again
delete from lcGP where objId in (select value from json_each(:objIds));
delete from lcGPFeats where objId in (select value from json_each(:objIds));
