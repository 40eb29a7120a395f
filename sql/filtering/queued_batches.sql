-- batches committed by the stream whose filters never ran (a kill in between), oldest first
select batch, touched, alerts from filterQueue where batch != :current order by queuedAt, rowid
