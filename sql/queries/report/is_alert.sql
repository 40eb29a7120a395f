-- whether one object came from Rubin alert packets (its fluxes are then nJy, not zero point 27.5)
select exists (select 1 from diaObjects where objId = :objId) as isAlert
