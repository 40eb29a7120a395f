select dataset, count(*) from objects group by dataset order by dataset
