-- The catalog: social problems, the brands that work on them and the
-- products those brands sell.
--
-- Ids are UUIDv7 bytes, so the primary key orders rows by creation time and
-- "newest first" is a backward index scan. name_key holds
-- catalog.SearchKey(name), computed by the application on every write; the
-- binary collation makes LIKE compare it exactly as the in-memory store
-- compares strings.

CREATE TABLE problems (
	id          BINARY(16)    NOT NULL,
	name        VARCHAR(400)  NOT NULL,
	summary     VARCHAR(1000) NOT NULL,
	description TEXT          NOT NULL,
	image_url   TEXT          NOT NULL,
	created_at  DATETIME(6)   NOT NULL,
	updated_at  DATETIME(6)   NOT NULL,
	version     BIGINT        NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE brands (
	id          BINARY(16)    NOT NULL,
	problem_id  BINARY(16)    NOT NULL,
	name        VARCHAR(400)  NOT NULL,
	name_key    VARCHAR(800)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	summary     VARCHAR(1000) NOT NULL,
	story       TEXT          NOT NULL,
	logo_url    TEXT          NOT NULL,
	image_url   TEXT          NOT NULL,
	homepage    TEXT          NOT NULL,
	created_at  DATETIME(6)   NOT NULL,
	updated_at  DATETIME(6)   NOT NULL,
	version     BIGINT        NOT NULL,
	PRIMARY KEY (id),
	KEY brands_problem_id_id (problem_id, id),
	CONSTRAINT brands_problem_fk FOREIGN KEY (problem_id)
		REFERENCES problems (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE products (
	id             BINARY(16)    NOT NULL,
	brand_id       BINARY(16)    NULL,
	name           VARCHAR(400)  NOT NULL,
	name_key       VARCHAR(800)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	description    TEXT          NOT NULL,
	price_amount   DECIMAL(19,4) NOT NULL,
	price_currency CHAR(3)       NOT NULL,
	images         MEDIUMTEXT    NOT NULL,
	stock          INT           NULL,
	created_at     DATETIME(6)   NOT NULL,
	updated_at     DATETIME(6)   NOT NULL,
	version        BIGINT        NOT NULL,
	PRIMARY KEY (id),
	KEY products_brand_id_id (brand_id, id),
	CONSTRAINT products_brand_fk FOREIGN KEY (brand_id)
		REFERENCES brands (id) ON DELETE SET NULL,
	CONSTRAINT products_price_not_negative CHECK (price_amount >= 0),
	CONSTRAINT products_stock_not_negative CHECK (stock IS NULL OR stock >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
