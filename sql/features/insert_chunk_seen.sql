insert into temp.chunkSeen (objId, contentHash) values (?, ?)
