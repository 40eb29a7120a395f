-- whether the csvLabels table (migration 007) exists: code that builds older databases in tests skips it
select count(*) from sqlite_schema where type = 'table' and name = 'csvLabels'
