-- Documents, their PDF versions, idempotency keys and the hash-chained audit log.
-- Times are unix microseconds (UTC), the precision both engines keep exactly.
CREATE TABLE documents (
-- details is TEXT, not jsonb: the audit hash covers the exact stored text (jsonb would reorder keys).
    id                TEXT    NOT NULL PRIMARY KEY,
    verification_code TEXT    NOT NULL UNIQUE,
    dossier_code      TEXT    NOT NULL,
    template          TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('draft','awaiting_signature','signed','sealed','issued','revoked','superseded','failed')),
    signer_id         TEXT,
    failure_reason    TEXT,
    failure_retryable BIGINT CHECK (failure_retryable IN (0, 1)),
    failed_from       TEXT,
    pdf_sha256        TEXT,
    created_at_us     BIGINT NOT NULL,
    updated_at_us     BIGINT NOT NULL,
    end_reason        TEXT,
    replaced_by       TEXT REFERENCES documents (id),
    replaces          TEXT REFERENCES documents (id),
    version           BIGINT NOT NULL CHECK (version >= 1)
);
CREATE INDEX ix_documents_created ON documents (created_at_us DESC, id DESC);
CREATE INDEX ix_documents_status ON documents (status, created_at_us DESC);
CREATE INDEX ix_documents_signer ON documents (signer_id, created_at_us DESC);
CREATE INDEX ix_documents_dossier ON documents (dossier_code);
CREATE INDEX ix_documents_pdf ON documents (pdf_sha256);

CREATE TABLE document_pdfs (
    document_id   TEXT    NOT NULL REFERENCES documents (id),
    version       BIGINT NOT NULL,
    pdf_sha256    TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX ix_document_pdfs_sha ON document_pdfs (pdf_sha256);

CREATE TABLE idempotency_keys (
    key           TEXT    NOT NULL PRIMARY KEY,
    request_hash  TEXT    NOT NULL,
    document_id   TEXT    NOT NULL REFERENCES documents (id),
    created_at_us BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq         BIGINT NOT NULL PRIMARY KEY,
    time_us     BIGINT NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    document_id TEXT,
    details     TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX ix_audit_log_document ON audit_log (document_id, seq);

-- The chain head: one row, updated in the same transaction as each append.
CREATE TABLE audit_head (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
