-- The answers of mutating API calls, kept by (caller, Idempotency-Key) so a retry gets the first answer
-- instead of doing the change twice. status is NULL while the first call is still running (a reservation).
CREATE TABLE idempotent_responses (
    caller         TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    request_hash   TEXT    NOT NULL,
    status         INTEGER,
    content_type   TEXT,
    body           BLOB,
    created_at_us  INTEGER NOT NULL,
    PRIMARY KEY (caller, key)
);
