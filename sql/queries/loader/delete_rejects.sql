delete from rejects where fileId = :fileId
