-- 007_hardening: labels given by a CSV, kept by (dataset, name) beside lcLabels.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- lcLabels rows go with their object (on delete cascade) when its file fails or becomes a
-- duplicate; the CSV's word is kept here, so the label comes back when the object does.
create table csvLabels (
    dataset text not null,
    name    text not null,
    label   integer not null,
    source  text not null,      -- the CSV's path
    primary key (dataset, name)
);

-- labels loaded from a CSV before this migration: keep them the same way
insert into csvLabels (dataset, name, label, source)
select o.dataset, o.name, l.label, l.source
from lcLabels as l
join objects as o on o.objId = l.objId
where l.source != 'header';
