delete from watchlists where name = :name
