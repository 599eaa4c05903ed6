-- capsim lab 2 database: 200k products, empty messages and orders.
CREATE TABLE products (
    id       integer PRIMARY KEY,
    name     text    NOT NULL,
    category integer NOT NULL,
    price    numeric(10, 2) NOT NULL,
    stock    integer NOT NULL
);
INSERT INTO products
SELECT i, md5(i::text), i % 40, round((random() * 100)::numeric, 2), 1000000
FROM generate_series(1, 200000) AS i;

CREATE TABLE messages (
    id      bigserial PRIMARY KEY,
    user_id integer NOT NULL,
    body    text NOT NULL,
    reply   text,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id         bigserial PRIMARY KEY,
    product_id integer NOT NULL,
    user_id    integer NOT NULL,
    qty        integer NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
ANALYZE;
