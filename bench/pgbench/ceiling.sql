-- The durable-commit ceiling: one INSERT of the same payload bytes per transaction.
\set n :n + 1
\set id :offset + :n * :clients + :client_id + 1
INSERT INTO bench.ceiling (body) SELECT body FROM bench.payloads WHERE seq = :id;
