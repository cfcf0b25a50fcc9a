ALTER TABLE orders DROP COLUMN version;

--bun:split

DROP TABLE IF EXISTS outbox_events;
