-- the storage class of a stored model: a blob unless someone edited the table
select typeof(bytes) from models where runId = :runId
