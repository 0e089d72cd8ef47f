"""Scale-out on Redis 7 Streams: web replicas and worker hosts on several machines
(docs/architecture.md, "Beyond one machine"). Without `--redis` nothing here is imported."""
