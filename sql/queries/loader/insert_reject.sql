insert into rejects (fileId, line, text, reason) values (?, ?, ?, ?)
