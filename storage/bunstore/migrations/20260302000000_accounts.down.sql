DROP TABLE IF EXISTS identities;

--bun:split

DROP TABLE IF EXISTS user_interests;

--bun:split

DROP TABLE IF EXISTS users;
