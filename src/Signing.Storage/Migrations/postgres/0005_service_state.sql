-- The service's own state, which lived in files beside the registry until now: the facts of each
-- rendered result, the department heads' enrolled certificates and the prepared head signatures.
-- Each is written in a registry transaction with its audit record.

-- Written in the document's create transaction, so a committed document always has its facts.
-- facts is the service's JSON (DocumentFacts): the reserved signature slots and the shown fields.
CREATE TABLE document_facts (
    document_id TEXT NOT NULL PRIMARY KEY REFERENCES documents (id),
    facts       TEXT NOT NULL
);

-- One row per head: a new enrolment replaces the certificate (the audit log keeps the old one's hash).
CREATE TABLE head_enrollments (
    head_id            TEXT   NOT NULL PRIMARY KEY,
    name               TEXT   NOT NULL,
    certificate        BYTEA  NOT NULL,
    -- JSON array of base64 DER, issuing CA first, as the CMS embeds them.
    chain              TEXT   NOT NULL,
    certificate_sha256 TEXT   NOT NULL,
    enrolled_at_us     BIGINT NOT NULL
);

-- A prepared head signature waiting for its value. completed_at_us is set in the transaction that
-- marks the document signed, which is what makes a replay a conflict; the sweep deletes settled rows.
-- payload is the service's JSON (the prepared PDF state and the nonce).
CREATE TABLE prepared_requests (
    request_id         TEXT   NOT NULL PRIMARY KEY,
    document_id        TEXT   NOT NULL REFERENCES documents (id),
    document_version   BIGINT NOT NULL,
    head_id            TEXT   NOT NULL,
    certificate_sha256 TEXT   NOT NULL,
    expires_at_us      BIGINT NOT NULL,
    completed_at_us    BIGINT,
    payload            TEXT   NOT NULL
);
CREATE INDEX ix_prepared_requests_expires ON prepared_requests (expires_at_us);
CREATE INDEX ix_prepared_requests_completed ON prepared_requests (completed_at_us);
