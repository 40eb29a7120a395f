create table if not exists _migrations (
    name      text primary key,
    checksum  text not null,
    appliedAt text not null
)
