insert into streamOffsets (topic, partition, nextOffset, updatedAt)
values (:topic, :partition, :nextOffset, :updatedAt)
on conflict (topic, partition) do update set nextOffset = excluded.nextOffset, updatedAt = excluded.updatedAt
