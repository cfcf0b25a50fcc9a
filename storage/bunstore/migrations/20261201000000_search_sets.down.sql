-- The old index's tables come back empty: an older version of the package
-- finds nothing until its search_backfill migration runs again (delete its
-- row from the migrations table).

CREATE TABLE product_gram_counts (
	gram     BIGINT NOT NULL,
	products INT    NOT NULL,
	PRIMARY KEY (gram)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE product_grams (
	gram       BIGINT     NOT NULL,
	product_id BINARY(16) NOT NULL,
	PRIMARY KEY (gram, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

DROP TABLE IF EXISTS search_state;

--bun:split

DROP TABLE IF EXISTS brand_grams;

--bun:split

DROP TABLE IF EXISTS search_sets;

--bun:split

ALTER TABLE products DROP KEY products_seq, DROP COLUMN seq;
