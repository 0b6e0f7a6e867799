-- TSA checkpoints of the audit chain (docs/service.md, "The audit trail"): the chain hash at seq
-- and the DER RFC 3161 token over SHA-256("signing.audit.anchor.v1\n" || seq int64 BE || hash 32 bytes).
-- One anchor per seq, so instances racing to anchor the same head insert it once.
CREATE TABLE audit_anchors (
    seq            INTEGER NOT NULL PRIMARY KEY,
    hash           TEXT    NOT NULL,
    token          BLOB    NOT NULL,
    anchored_at_us INTEGER NOT NULL
);
