-- what was derived from the photometry of the objects a batch changed: rebuilt or recomputed next
delete from lcBands where objId in (select objId from temp.touched);
delete from lcFeats where objId in (select objId from temp.touched);
delete from lcBandStats where objId in (select objId from temp.touched);
delete from lcGP where objId in (select objId from temp.touched);
delete from lcGPFeats where objId in (select objId from temp.touched);
