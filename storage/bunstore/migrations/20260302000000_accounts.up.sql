-- Accounts: users with their customer profile, the social problems each one
-- cares about, and the external identities (Google, Kakao) that sign them
-- in. Sessions and sign-in attempts are not kept here: they live in memstore
-- or redisstore.
--
-- username_key, nickname_key and email_key hold commerce.Fold of their
-- column, computed by the application on every write; the binary collation
-- makes the unique indexes compare them exactly as the in-memory store
-- does. A key is NULL when the folded value is empty, because an empty value
-- is never taken: any number of users may have no email. password_hash and
-- email are '' when the user has none.

CREATE TABLE users (
	id            BINARY(16)   NOT NULL,
	username      VARCHAR(255) NOT NULL,
	username_key  VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	password_hash VARCHAR(255) NOT NULL,
	staff         BOOL         NOT NULL,
	nickname      VARCHAR(100) NOT NULL,
	nickname_key  VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	email         VARCHAR(320) NOT NULL,
	email_key     VARCHAR(320) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	created_at    DATETIME(6)  NOT NULL,
	updated_at    DATETIME(6)  NOT NULL,
	version       BIGINT       NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY users_username_key (username_key),
	UNIQUE KEY users_nickname_key (nickname_key),
	UNIQUE KEY users_email_key (email_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Deleting a problem removes it from the interests of its followers.
CREATE TABLE user_interests (
	user_id    BINARY(16) NOT NULL,
	problem_id BINARY(16) NOT NULL,
	PRIMARY KEY (user_id, problem_id),
	KEY user_interests_problem_id (problem_id),
	CONSTRAINT user_interests_user_fk FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE,
	CONSTRAINT user_interests_problem_fk FOREIGN KEY (problem_id)
		REFERENCES problems (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- (provider, subject) names one account at a provider, linked to at most
-- one user; (user_id, provider) lets a user link one account per provider.
-- Both compare exactly (utf8mb4_bin), as the providers' ids do.
CREATE TABLE identities (
	provider   VARCHAR(32)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	subject    VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	user_id    BINARY(16)   NOT NULL,
	email      VARCHAR(320) NOT NULL,
	created_at DATETIME(6)  NOT NULL,
	PRIMARY KEY (provider, subject),
	UNIQUE KEY identities_user_id_provider (user_id, provider),
	CONSTRAINT identities_user_fk FOREIGN KEY (user_id)
		REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
