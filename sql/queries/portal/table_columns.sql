-- the columns of one table or view, in order
select name from pragma_table_info(:table) order by cid
