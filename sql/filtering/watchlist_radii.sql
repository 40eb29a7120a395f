select name, maxRadius from watchlists order by name
