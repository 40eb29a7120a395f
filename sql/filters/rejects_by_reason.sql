-- Saved selection: why input lines were rejected, per dataset and kind of reason, with an example.
-- A reason's kind is its text before the first ':', ',', '(' or quoted value ("unknown passband",
-- "dflux must be > 0", "expected 4 fields as in the column header" ...).
-- :dataset = %       dataset name (SQL LIKE pattern; % for all)
with kinds as (
    select
        s.dataset,
        s.name,
        r.line,
        trim(substr(r.reason, 1, min(
            instr(r.reason || ':', ':'), instr(r.reason || ',', ','),
            instr(r.reason || '(', '('), instr(r.reason || ' ''', ' ''')
        ) - 1)) as kind
    from rejects as r
    join sourceFiles as s on s.fileId = r.fileId
    where s.dataset like :dataset
)

select
    dataset,
    kind,
    count(*) as nLines,
    count(distinct name) as nFiles,
    min(name || ':' || line) as example
from kinds
group by dataset, kind
order by dataset, nLines desc, kind
