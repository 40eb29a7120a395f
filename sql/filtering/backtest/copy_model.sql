-- the chosen model of the source database (rows only: the blob keeps its sha256 check on load)
insert into main.trainings select * from src.trainings where trainingId = :trainingId;
insert into main.modelRuns select * from src.modelRuns where runId = :runId;
insert into main.models select * from src.models where runId = :runId;
