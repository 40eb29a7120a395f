-- sources in the probed zones and RA intervals (index watchlistSources_zone: watchlist, zone, ra)
select p.k, s.watchlist, s.source, s.ra, s.dec, s.radius
from temp.watchlistProbe as p
join watchlistSources as s
    on s.watchlist = p.watchlist and s.zone = p.zone and s.ra between p.raLo and p.raHi
