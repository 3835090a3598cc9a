-- Stock-SQL RFM baseline 1: CREATE TABLE AS over bench.rfm_stock (GROUP BY + 3 × NTILE).
-- The timed statement is the one between \timing on and off.
DROP TABLE IF EXISTS bench.rfm_ctas;
-- The settings storesync.refresh_rfm runs with, for a like-for-like comparison.
SET work_mem = '256MB';
SET jit = off;
\timing on
CREATE TABLE bench.rfm_ctas AS SELECT * FROM bench.rfm_stock(:'as_of');
\timing off
