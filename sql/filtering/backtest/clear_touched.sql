-- touched objects need their bands re-packed and their features recomputed
delete from main.lcBands where objId in (select value from json_each(:ids));
delete from main.lcFeats where objId in (select value from json_each(:ids));
