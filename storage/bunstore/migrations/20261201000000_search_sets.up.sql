-- Search, second form: sets of sequence numbers instead of rows of ids.
--
-- product_grams held a row (gram, product id) for each gram of each
-- product, its brand's name included: 44 bytes a row, nearly six times the
-- products table. search_sets holds, for each gram of package
-- catalog/searchindex and each range of 65,536 sequence numbers (chunk =
-- seq >> 16), the set of the products' sequence numbers that have the gram,
-- as a serialized Roaring bitmap: two bytes a product in a sparse set, one
-- bit in a dense one. A search reads the sets of its grams, intersects them
-- in the application, and loads the candidates by seq.
--
-- brand_grams indexes the brands' names the same way, a row per gram
-- (searchindex.NameGrams) and brand: brands are a hundredth of the
-- products, and a search of brands — a search box's suggestions, the staff
-- list — walks the brands that have one gram of the query, newest first by
-- the key, testing their names, and stops when the page is full.
--
-- products.seq is the product's sequence number, given when it is stored
-- from search_state.last_seq; it follows the products' ids except for the
-- products in the set of the gram searchindex.OutOfOrder. The migration
-- after this one (search_rebuild) computes every product's and brand's
-- name_key with the current catalog.SearchKey, numbers the products in id
-- order and builds the sets and brand_grams.

ALTER TABLE products ADD COLUMN seq INT UNSIGNED NULL AFTER id, ADD UNIQUE KEY products_seq (seq);

--bun:split

CREATE TABLE search_sets (
	gram  BIGINT       NOT NULL,
	chunk INT UNSIGNED NOT NULL,
	bits  MEDIUMBLOB   NOT NULL,
	PRIMARY KEY (gram, chunk)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE brand_grams (
	gram     BIGINT     NOT NULL,
	brand_id BINARY(16) NOT NULL,
	PRIMARY KEY (gram, brand_id),
	CONSTRAINT brand_grams_brand_fk FOREIGN KEY (brand_id)
		REFERENCES brands (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE search_state (
	id       TINYINT      NOT NULL,
	last_seq INT UNSIGNED NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

INSERT INTO search_state (id, last_seq) VALUES (1, 0);

--bun:split

DROP TABLE product_grams;

--bun:split

DROP TABLE product_gram_counts;
