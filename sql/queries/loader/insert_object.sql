insert into objects (dataset, name, fileId) values (:dataset, :name, :fileId) returning objId
