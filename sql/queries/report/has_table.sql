-- 1 when a table or view called :name exists
select count(*) from sqlite_master where type in ('table', 'view') and name = :name
