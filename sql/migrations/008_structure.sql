-- 008_structure: a version per object for the science-step driver's staleness guard, and one
-- column name fixed. Shipped migrations are never edited: add a new NNN_name.sql instead.

-- objects.version changes whenever the object's packed photometry (lcBands) is written, by any
-- writer (the loader, the stream): a step stores results only for objects whose version is still
-- the one it read (minibroker/core/step.py).
alter table objects add column version integer not null default 0;

create trigger lcBands_version_insert after insert on lcBands
begin
    update objects set version = version + 1 where objId = new.objId;
end;

create trigger lcBands_version_update after update on lcBands
begin
    update objects set version = version + 1 where objId = new.objId;
end;

create trigger lcBands_version_delete after delete on lcBands
begin
    update objects set version = version + 1 where objId = old.objId;
end;

-- the one snake_case column: lcGP.flux_err is now fluxErr, like every other column
alter table lcGP rename column flux_err to fluxErr;
