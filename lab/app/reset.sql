-- Before every run: back to the seeded state (100k bookings, no messages).
DELETE FROM bookings WHERE id > 100000;
SELECT setval('bookings_id_seq', 100000);
TRUNCATE messages RESTART IDENTITY;
UPDATE items SET stock = 1000000 WHERE stock <> 1000000;
VACUUM ANALYZE;
CHECKPOINT;
