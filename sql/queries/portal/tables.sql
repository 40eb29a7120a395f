-- the tables and views of the database
select name, type from sqlite_master where type in ('table', 'view') order by name
