-- every object of :dataset that has features, with lcFeats and GP features, ordered by name
select *
from objectFeaturesGP
where dataset = :dataset
order by name
