-- class names from `#type:` headers: a label gets the type name its labelled objects share, when
-- the value is a name (starts with a letter; not None/null/nan/inf) and all of them agree on it.
-- Names from a CSV or the simulator (source <> 'header') are kept.
insert into classNames (label, name, source)
with typed as (
    select l.label, trim(h.value) as name
    from objectHeaders as h
    join lcLabels as l on l.objId = h.objId
    where h.key = 'type'
      and trim(h.value) glob '[A-Za-z]*'
      and lower(trim(h.value)) not in ('none', 'null', 'nan', 'inf', 'infinity')
),

agreed as (
    select label, min(name) as name
    from typed
    group by label
    having count(distinct name) = 1
),

final as (
    select label, name, 'header' as source from agreed
)

select * from final where true
on conflict (label) do update set name = excluded.name
where classNames.source = 'header'
