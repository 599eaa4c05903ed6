-- Before every run: back to the seeded state (no messages, no orders, full stock).
TRUNCATE messages, orders RESTART IDENTITY;
UPDATE products SET stock = 1000000 WHERE stock <> 1000000;
VACUUM ANALYZE;
CHECKPOINT;
