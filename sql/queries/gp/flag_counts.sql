-- the fits not to trust among the objects in :objIds (migration 005's computed flags): ended on a
-- bound of amplitude or length scale, reduced chi2 > 5, and either of the two
select coalesce(sum(atBound = 1), 0) as atBound,
       coalesce(sum(badFit = 1), 0) as badFit,
       coalesce(sum(atBound = 1 or badFit = 1), 0) as flagged
from lcGPFeats
where objId in (select value from json_each(:objIds))
