DROP TABLE IF EXISTS products;

--bun:split

DROP TABLE IF EXISTS brands;

--bun:split

DROP TABLE IF EXISTS problems;
