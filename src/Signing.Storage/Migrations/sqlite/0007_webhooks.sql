-- Webhooks: subscriptions per client certificate and the transactional outbox. An event row and
-- one delivery row per matching live subscription commit with the document transition they report
-- (same transaction as its audit record); the delivery worker moves deliveries along.
CREATE TABLE webhook_subscriptions (
    id              TEXT    NOT NULL PRIMARY KEY,
    -- SHA-256 thumbprint of the client certificate that made it: only it sees and changes it.
    owner           TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    -- Space-separated event types.
    events          TEXT    NOT NULL,
    -- The shared HMAC secret ("whsec_" + base64): the registry must hold it to sign each attempt.
    secret          TEXT    NOT NULL,
    created_at_us   INTEGER NOT NULL,
    deleted_at_us   INTEGER,
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    UNIQUE (owner, idempotency_key)
);
CREATE INDEX ix_webhook_subscriptions_owner ON webhook_subscriptions (owner, created_at_us);

CREATE TABLE webhook_events (
    id            TEXT    NOT NULL PRIMARY KEY,
    -- The audit record of the transition: one order for all events, and per document.
    audit_seq     INTEGER NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    document_id   TEXT    NOT NULL REFERENCES documents (id),
    created_at_us INTEGER NOT NULL,
    -- The exact body sent on every attempt.
    payload       TEXT    NOT NULL
);

CREATE TABLE webhook_deliveries (
    event_id        TEXT    NOT NULL REFERENCES webhook_events (id),
    subscription_id TEXT    NOT NULL REFERENCES webhook_subscriptions (id),
    -- Copied from the event: the per-document order check reads only this table.
    document_id     TEXT    NOT NULL,
    audit_seq       INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending','delivered','dead','cancelled')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_us INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until_us  INTEGER,
    last_http_status INTEGER,
    last_error      TEXT,
    delivered_at_us INTEGER,
    created_at_us   INTEGER NOT NULL,
    PRIMARY KEY (event_id, subscription_id)
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_us);
CREATE INDEX ix_webhook_deliveries_order ON webhook_deliveries (subscription_id, document_id, audit_seq);
