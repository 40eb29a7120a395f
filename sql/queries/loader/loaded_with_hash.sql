-- another file of the dataset already loaded with exactly this content
select name, path from sourceFiles
where dataset = :dataset and contentHash = :contentHash and status = 'loaded' and name != :name
limit 1
