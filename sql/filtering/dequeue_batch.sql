delete from filterQueue where batch = :batch
