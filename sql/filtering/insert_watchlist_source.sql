insert into watchlistSources (watchlist, line, source, ra, dec, radius, zone) values (?, ?, ?, ?, ?, ?, ?)
