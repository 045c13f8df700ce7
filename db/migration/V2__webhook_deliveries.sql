-- Webhook deliveries already handled, shared by every service process on this database, so that a
-- replayed delivery creates no second check run whichever replica receives it. A delivery is kept under
-- two keys: its X-GitHub-Delivery id and the SHA-256 of its signed body. The service deletes rows of
-- deliveries that failed (so that GitHub's redelivery is processed) and rows older than a week.

CREATE TABLE webhook_delivery (
    delivery_key varchar(72) PRIMARY KEY, -- "body:" or "id:" and a SHA-256 in hex
    claimed_at   timestamptz NOT NULL
);
CREATE INDEX webhook_delivery_claimed_at ON webhook_delivery (claimed_at);

-- [jooq ignore start]
REVOKE ALL ON webhook_delivery FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON webhook_delivery TO octo_sts_runtime;
-- [jooq ignore stop]
