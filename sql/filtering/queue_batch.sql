-- in the stream's batch transaction: the filters still have to run on this batch
insert or replace into filterQueue (batch, touched, alerts, queuedAt)
values (:batch, :touched, :alerts, :queuedAt)
