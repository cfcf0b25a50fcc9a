-- Webhooks (package webhook): the endpoints staff register, and one
-- delivery of an event to an endpoint per row.
--
-- webhook_endpoints.event_types is the JSON array of the event types the
-- endpoint wants, as the application wrote it. secret is the signing
-- secret, "whsec_" and base64. failing_since and given_up are what the
-- dispatchers count against an endpoint whose attempts fail; enabled,
-- disabled_at and disabled_reason say whether it receives deliveries, and
-- if not since when and why.
--
-- webhook_deliveries holds each delivery's request (payload, the event's
-- JSON byte for byte) and its state. (endpoint_id, event_id) is unique, so
-- that an event published twice is delivered once. Dispatchers claim due
-- deliveries through webhook_deliveries_due (status, next_attempt_at) with
-- SELECT … FOR UPDATE SKIP LOCKED, and hold each by writing a random lease
-- and the time it ends; pruning walks webhook_deliveries_finished (status,
-- last_attempt_at). Deleting an endpoint deletes its deliveries.

CREATE TABLE webhook_endpoints (
	id              BINARY(16)    NOT NULL,
	url             VARCHAR(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	event_types     TEXT          CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	description     VARCHAR(500)  NOT NULL,
	secret          VARCHAR(100)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	enabled         BOOL          NOT NULL,
	disabled_at     DATETIME(6)   NULL,
	disabled_reason VARCHAR(1000) NOT NULL,
	failing_since   DATETIME(6)   NULL,
	given_up        INT           NOT NULL,
	created_at      DATETIME(6)   NOT NULL,
	updated_at      DATETIME(6)   NOT NULL,
	version         BIGINT        NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT webhook_endpoints_event_types_json CHECK (JSON_VALID(event_types))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE webhook_deliveries (
	id               BINARY(16)    NOT NULL,
	endpoint_id      BINARY(16)    NOT NULL,
	event_id         BINARY(16)    NOT NULL,
	event_type       VARCHAR(100)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	payload          MEDIUMBLOB    NOT NULL,
	status           VARCHAR(16)   NOT NULL,
	attempts         INT           NOT NULL,
	created_at       DATETIME(6)   NOT NULL,
	first_attempt_at DATETIME(6)   NULL,
	last_attempt_at  DATETIME(6)   NULL,
	next_attempt_at  DATETIME(6)   NULL,
	last_status_code INT           NOT NULL,
	last_error       VARCHAR(1000) NOT NULL,
	lease            BINARY(16)    NULL,
	lease_until      DATETIME(6)   NULL,
	PRIMARY KEY (id),
	UNIQUE KEY webhook_deliveries_endpoint_event (endpoint_id, event_id),
	KEY webhook_deliveries_endpoint_id (endpoint_id, id),
	KEY webhook_deliveries_due (status, next_attempt_at),
	KEY webhook_deliveries_finished (status, last_attempt_at),
	CONSTRAINT webhook_deliveries_endpoint_fk FOREIGN KEY (endpoint_id)
		REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	CONSTRAINT webhook_deliveries_status CHECK (status IN ('pending', 'delivered', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
