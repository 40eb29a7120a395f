-- tests only: overwrite a stored model's bytes, leaving the recorded hash as it was
update models set bytes = :bytes where runId = :runId
