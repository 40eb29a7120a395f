-- every object of :dataset that has features, labelled or not, ordered by name
select *
from objectFeatures
where dataset = :dataset
order by name
