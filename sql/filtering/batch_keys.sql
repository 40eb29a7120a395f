select objId, alertKey, diaSourceId from temp.batchObjects
