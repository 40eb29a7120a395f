-- the columns of a feature view, in order (the view's name is a bound value, not spliced)
select name from pragma_table_info(:view) order by cid
