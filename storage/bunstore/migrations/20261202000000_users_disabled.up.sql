-- A disabled user cannot sign in, with a password or through a provider:
-- an account closed for good, such as one that Django marked inactive
-- (is_active = 0) before it was imported. Existing users stay enabled.

ALTER TABLE users ADD COLUMN disabled BOOL NOT NULL DEFAULT 0 AFTER staff;
