select sql from sqlite_schema where type = 'view' and name = :name
