update deliveries
set status = :status, error = :error, attempts = attempts + 1, lastAttemptAt = :now,
    deliveredAt = case when :status = 'ok' then :now else deliveredAt end
where deliveryId = :deliveryId
