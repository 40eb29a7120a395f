select objId from temp.touched order by objId
