insert into streamFailures (dataset, source, file, partition, "offset", item, diaSourceId, reason, failedAt)
values (:dataset, :source, :file, :partition, :offset, :item, :diaSourceId, :reason, :failedAt)
