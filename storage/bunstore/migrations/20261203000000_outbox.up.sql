-- The outbox of domain events (commerce.Event), and a version on orders.
--
-- A write stores the events of its change in outbox_events in the same
-- transaction as the change, so that the two commit together or not at
-- all; relays (package outbox) then claim the unsent events, publish them
-- and mark them sent, and sent events are pruned after a retention period.
--
-- seq is the store's order: AUTO_INCREMENT, so an event stored after
-- another in the same aggregate, whose row lock orders the two writes, has
-- a higher seq. Relays claim the unsent events in seq order through
-- outbox_events_unsent (sent_at, seq), whose NULL sent_at come first, with
-- SELECT … FOR UPDATE SKIP LOCKED; outbox_events_aggregate (aggregate_id,
-- sent_at, seq) finds an aggregate's earliest unsent events, so that a
-- claim leaves out the events of an aggregate whose earlier event another
-- claim holds; pruning walks outbox_events_unsent from the oldest sent_at.
-- data is the event's JSON object as the application wrote it, kept byte
-- for byte (a JSON column would normalise it on MySQL). sent_at is the
-- database's UTC time when a relay marked the event sent, NULL until then.

CREATE TABLE outbox_events (
	seq          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	id           BINARY(16)      NOT NULL,
	type         VARCHAR(64)     CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	aggregate_id BINARY(16)      NOT NULL,
	version      BIGINT          NOT NULL,
	occurred_at  DATETIME(6)     NOT NULL,
	data         MEDIUMTEXT      CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	sent_at      DATETIME(6)     NULL,
	PRIMARY KEY (seq),
	UNIQUE KEY outbox_events_id (id),
	KEY outbox_events_unsent (sent_at, seq),
	KEY outbox_events_aggregate (aggregate_id, sent_at, seq),
	CONSTRAINT outbox_events_data_json CHECK (JSON_VALID(data))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Order.Version counts an order's changes: 1 when placed, one more with
-- each change of status, so that an event's version orders the events of
-- one order. Existing orders start at 1.

ALTER TABLE orders ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
