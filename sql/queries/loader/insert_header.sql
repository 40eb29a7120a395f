insert into objectHeaders (objId, line, key, value) values (?, ?, ?, ?)
