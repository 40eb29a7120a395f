-- photometry, headers, features and labels go with it (on delete cascade)
delete from objects where dataset = :dataset and name = :name
