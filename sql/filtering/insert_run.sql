insert into filterRuns (batch, filter, fileHash, status, error, nMatches, seconds, ranAt)
values (:batch, :filter, :fileHash, :status, :error, :nMatches, :seconds, :ranAt)
