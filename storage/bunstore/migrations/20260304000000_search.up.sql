-- Search: an n-gram index of the products' names and of their brands'
-- names, the same on MariaDB and MySQL. Neither's full-text index can serve
-- the catalog's plain substring search — MariaDB has no n-gram parser, and
-- InnoDB skips words shorter than three letters — so the application makes
-- the grams itself.
--
-- product_grams holds, for every product, each gram of catalog.SearchKey of
-- its name and of its brand's name: each letter, and each pair of adjacent
-- letters, as the number (letter << 21 | next letter), with next letter
-- 0x1FFFFF for a letter alone. The primary key (gram, product_id) keeps each
-- gram's products in id order, so that a search walks one gram's products
-- newest first and stops when the page is full; each candidate is then
-- tested with LIKE on the search keys, so the results are exactly those of
-- the substring rule. product_gram_counts holds how many products have each
-- gram, so that a query of three or more letters walks its rarest pair.
--
-- The application keeps both tables in the transaction of every product
-- write, and of a brand's rename or deletion (which re-index the brand's
-- products). There is no foreign key to products: it would need an index
-- on product_id as large again as the table, and a row left behind by a
-- product deleted some other way is harmless, since the search joins the
-- products that exist. The migration after this one indexes the products
-- that a database held before.

CREATE TABLE product_grams (
	gram       BIGINT     NOT NULL,
	product_id BINARY(16) NOT NULL,
	PRIMARY KEY (gram, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE product_gram_counts (
	gram     BIGINT NOT NULL,
	products INT    NOT NULL,
	PRIMARY KEY (gram)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
