-- The archive index: per issued result, what its newest PDF version's last document timestamp
-- proves until when (TSA certificate expiry, algorithms), its renewals, and the lease an archive
-- upkeep run holds on it (claim_owner until claim_until_us) so two instances never renew it twice.
CREATE TABLE archive_index (
    document_id      TEXT    NOT NULL PRIMARY KEY REFERENCES documents (id),
    pdf_sha256       TEXT    NOT NULL,
    timestamp_at_us  INTEGER,
    tsa_not_after_us INTEGER,
    algorithms       TEXT    NOT NULL,
    renewals         INTEGER NOT NULL DEFAULT 0,
    renewed_at_us    INTEGER,
    claim_owner      TEXT,
    claim_until_us   INTEGER,
    indexed_at_us    INTEGER NOT NULL
);
CREATE INDEX ix_archive_index_tsa ON archive_index (tsa_not_after_us);
CREATE INDEX ix_archive_index_algorithms ON archive_index (algorithms);
