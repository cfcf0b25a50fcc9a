-- A version on posts, as on the catalog's records and on users: every edit
-- increments it, and an edit that names the version it read applies only
-- to that version (UPDATE … WHERE id = ? AND version = ?), so that an
-- author's edit never overwrites a change made since the form was read.
-- Existing posts start at version 1.

ALTER TABLE posts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
