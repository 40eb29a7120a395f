insert into temp.watchlistProbe (k, watchlist, zone, raLo, raHi) values (?, ?, ?, ?, ?)
