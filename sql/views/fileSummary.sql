-- Per loaded file: what became rows and what was rejected, by dataset (provenance at a glance).
drop view if exists fileSummary;
create view fileSummary as
with rejected as (
    select fileId, count(*) as nRejects from rejects group by fileId
),

final as (
    select
        s.dataset,
        s.name,
        s.status,
        s.rowsLoaded,
        s.rowsRejected,
        coalesce(rejected.nRejects, 0) as rejectRows,
        s.error,
        s.path,
        s.loadedAt
    from sourceFiles as s
    left join rejected on rejected.fileId = s.fileId
)

select * from final;
