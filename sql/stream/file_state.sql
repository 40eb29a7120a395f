-- the container files of :dataset already done (each file is processed once)
select name from streamFiles where dataset = :dataset
