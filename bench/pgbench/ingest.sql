-- One webhook per transaction through storesync.ingest, as the worker would call it.
-- Each client walks its own payloads: client k takes offset+k+1, offset+k+1+C, …
-- (-D n=-1 -D clients=C -D offset=O).
\set n :n + 1
\set id :offset + :n * :clients + :client_id + 1
SELECT storesync.ingest('bench',
         jsonb_build_object('content-type', 'application/json',
                            'x-salla-security-strategy', 'Signature',
                            'x-salla-signature', signature,
                            'content-length', length(body)::text,
                            'host', '127.0.0.1'),
         body)
  FROM bench.payloads WHERE seq = :id;
