-- every object of :dataset that has features, with every feature column (lcFeats, GP and period
-- features), ordered by name
select *
from objectFeaturesAll
where dataset = :dataset
order by name
