-- The shop: the notice board, carts, address books and orders.
--
-- Times are DATETIME(6) in UTC, ids UUIDv7 bytes as in the catalog, money a
-- DECIMAL(19,4) amount beside its CHAR(3) currency. Orders keep copies —
-- each line the product's name and price, the order its address — and no
-- foreign key to what they copy, so an order outlives a deleted product or
-- address book entry.

CREATE TABLE posts (
	id         BINARY(16)   NOT NULL,
	author_id  BINARY(16)   NOT NULL,
	title      VARCHAR(200) NOT NULL,
	category   VARCHAR(16)  NOT NULL,
	body       MEDIUMTEXT   NOT NULL,
	pinned     BOOL         NOT NULL,
	created_at DATETIME(6)  NOT NULL,
	updated_at DATETIME(6)  NOT NULL,
	PRIMARY KEY (id),
	KEY posts_pinned_id (pinned, id),
	KEY posts_category_pinned_id (category, pinned, id),
	KEY posts_author_id (author_id),
	CONSTRAINT posts_author_fk FOREIGN KEY (author_id)
		REFERENCES users (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- One row per cart, whose row lock serialises the changes of that cart:
-- every change first runs INSERT … ON DUPLICATE KEY UPDATE on it, which
-- creates the row or takes an exclusive lock on it.
CREATE TABLE carts (
	cart_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	PRIMARY KEY (cart_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Deleting a product removes its lines from every cart.
CREATE TABLE cart_lines (
	cart_key   VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	product_id BINARY(16)   NOT NULL,
	quantity   INT          NOT NULL,
	added_at   DATETIME(6)  NOT NULL,
	PRIMARY KEY (cart_key, product_id),
	KEY cart_lines_product_id (product_id),
	CONSTRAINT cart_lines_cart_fk FOREIGN KEY (cart_key)
		REFERENCES carts (cart_key) ON DELETE CASCADE,
	CONSTRAINT cart_lines_product_fk FOREIGN KEY (product_id)
		REFERENCES products (id) ON DELETE CASCADE,
	CONSTRAINT cart_lines_quantity_positive CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE addresses (
	id         BINARY(16)   NOT NULL,
	user_id    BINARY(16)   NOT NULL,
	recipient  VARCHAR(100) NOT NULL,
	phone      VARCHAR(40)  NOT NULL,
	line1      VARCHAR(400) NOT NULL,
	line2      VARCHAR(400) NOT NULL,
	city       VARCHAR(200) NOT NULL,
	zipcode    VARCHAR(20)  NOT NULL,
	note       VARCHAR(400) NOT NULL,
	created_at DATETIME(6)  NOT NULL,
	PRIMARY KEY (id),
	KEY addresses_user_id_id (user_id, id),
	CONSTRAINT addresses_user_fk FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- address_* is a copy of the address the order goes to; address_id and
-- address_created_at name the address book entry it was copied from (NULL
-- for an address typed in at checkout), with no foreign key: the entry may
-- be deleted. (user_id, idempotency_key) is unique, so of concurrent
-- checkouts with one key exactly one order is stored.
CREATE TABLE orders (
	id                 BINARY(16)    NOT NULL,
	number             VARCHAR(32)   NOT NULL,
	user_id            BINARY(16)    NOT NULL,
	status             VARCHAR(20)   NOT NULL,
	subtotal_amount    DECIMAL(19,4) NOT NULL,
	subtotal_currency  CHAR(3)       NOT NULL,
	total_amount       DECIMAL(19,4) NOT NULL,
	total_currency     CHAR(3)       NOT NULL,
	address_id         BINARY(16)    NULL,
	address_recipient  VARCHAR(100)  NOT NULL,
	address_phone      VARCHAR(40)   NOT NULL,
	address_line1      VARCHAR(400)  NOT NULL,
	address_line2      VARCHAR(400)  NOT NULL,
	address_city       VARCHAR(200)  NOT NULL,
	address_zipcode    VARCHAR(20)   NOT NULL,
	address_note       VARCHAR(400)  NOT NULL,
	address_created_at DATETIME(6)   NULL,
	payment_method     VARCHAR(20)   NOT NULL,
	payment_ref        VARCHAR(255)  NOT NULL,
	idempotency_key    VARCHAR(100)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	request_hash       CHAR(64)      NOT NULL,
	placed_at          DATETIME(6)   NOT NULL,
	updated_at         DATETIME(6)   NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY orders_number_key (number),
	UNIQUE KEY orders_user_id_idempotency_key (user_id, idempotency_key),
	KEY orders_user_id_id (user_id, id),
	KEY orders_status_id (status, id),
	CONSTRAINT orders_user_fk FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE RESTRICT,
	CONSTRAINT orders_amounts_not_negative CHECK (subtotal_amount >= 0 AND total_amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- line_no keeps the lines in the order they were placed. product_id has no
-- foreign key: an order outlives its products.
CREATE TABLE order_lines (
	order_id            BINARY(16)    NOT NULL,
	line_no             INT           NOT NULL,
	product_id          BINARY(16)    NOT NULL,
	name                VARCHAR(400)  NOT NULL,
	unit_price_amount   DECIMAL(19,4) NOT NULL,
	unit_price_currency CHAR(3)       NOT NULL,
	quantity            INT           NOT NULL,
	line_total_amount   DECIMAL(19,4) NOT NULL,
	line_total_currency CHAR(3)       NOT NULL,
	PRIMARY KEY (order_id, line_no),
	CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id)
		REFERENCES orders (id) ON DELETE CASCADE,
	CONSTRAINT order_lines_quantity_positive CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
