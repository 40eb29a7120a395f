insert into models (runId, format, sizeBytes, bytes)
values (:runId, :format, :sizeBytes, :bytes)
