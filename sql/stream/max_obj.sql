select coalesce(max(objId), 0) from objects
