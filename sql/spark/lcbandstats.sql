-- Spark SQL: lcBandStats (per object and band: point count and weighted mean) from the results.
select objId, pb, n, wmean as wMean
from sparkBands
