insert into _migrations (name, checksum, appliedAt) values (:name, :checksum, :appliedAt)
