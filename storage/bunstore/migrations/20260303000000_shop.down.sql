DROP TABLE IF EXISTS order_lines;

--bun:split

DROP TABLE IF EXISTS orders;

--bun:split

DROP TABLE IF EXISTS addresses;

--bun:split

DROP TABLE IF EXISTS cart_lines;

--bun:split

DROP TABLE IF EXISTS carts;

--bun:split

DROP TABLE IF EXISTS posts;
