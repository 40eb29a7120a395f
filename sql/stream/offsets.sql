-- where the stream stopped in :topic: the next offset to read per partition
select partition, nextOffset from streamOffsets where topic = :topic order by partition
