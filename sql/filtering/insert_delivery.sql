insert or ignore into deliveries (matchId, sink, target, status, createdAt)
values (:matchId, :sink, :target, 'pending', :createdAt)
