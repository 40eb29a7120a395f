-- a stream filter run as a saved selection (make sql FILTER=…): every object is in the batch
insert or replace into temp.batchObjects (objId)
select objId from objects
