-- Content-addressed blobs (the PDFs) in the registry itself, so several instances share them
-- without a shared volume and one pg_dump backs up everything. The key is the SHA-256 of content
-- in lower-case hex; written_at_us is the last put (a re-put refreshes it), which orphan cleanup
-- compares with its cutoff. No SQLite twin: the embedded registry keeps its blobs in files.
CREATE TABLE blobs (
    sha256         TEXT    NOT NULL PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content        BYTEA   NOT NULL,
    size           BIGINT  NOT NULL CHECK (size = octet_length(content)),
    written_at_us  BIGINT  NOT NULL
);
-- Orphan cleanup lists by write time.
CREATE INDEX blobs_written_at ON blobs (written_at_us);
-- PDFs are already compressed: storing them as they are spares the CPU a compression attempt.
ALTER TABLE blobs ALTER COLUMN content SET STORAGE EXTERNAL;
