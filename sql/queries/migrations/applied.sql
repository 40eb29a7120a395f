select name, checksum from _migrations order by name
