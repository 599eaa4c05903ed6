-- capsim lab database: 200k items, 100k bookings, an empty messages table.
CREATE TABLE items (
    id     integer PRIMARY KEY,
    name   text    NOT NULL,
    price  numeric(10, 2) NOT NULL,
    stock  integer NOT NULL
);
INSERT INTO items
SELECT i, 'item ' || i, round((random() * 100)::numeric, 2), 1000000
FROM generate_series(1, 200000) AS i;

CREATE TABLE bookings (
    id         bigserial PRIMARY KEY,
    item_id    integer NOT NULL,
    user_id    integer NOT NULL,
    amount     numeric(10, 2) NOT NULL,
    status     text    NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO bookings (item_id, user_id, amount, status, created_at)
SELECT 1 + (random() * 199999)::int, 1 + (random() * 99999)::int,
       round((5 + random() * 95)::numeric, 2),
       (ARRAY['new', 'paid', 'cancelled', 'done'])[1 + (random() * 3)::int],
       now() - random() * interval '90 days'
FROM generate_series(1, 100000);

CREATE TABLE messages (
    id      bigserial PRIMARY KEY,
    user_id integer NOT NULL,
    body    text NOT NULL,
    reply   text,
    at      timestamptz NOT NULL DEFAULT now()
);
ANALYZE;
