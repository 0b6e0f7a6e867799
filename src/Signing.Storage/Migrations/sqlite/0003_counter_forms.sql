-- Counter forms (Decree 61/2018: Mẫu 01-04) issued for a dossier. A form is not a document:
-- it has no lifecycle, only its issue (one row + one audit record). due_at_us is the return time
-- a Mẫu 01 promises or the new one a Mẫu 04 sets; the late-dossier list reads it.
CREATE TABLE counter_forms (
    id              TEXT   NOT NULL PRIMARY KEY,
    kind            INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 4),
    dossier_code    TEXT   NOT NULL,
    number          TEXT   NOT NULL,
    applicant_name  TEXT   NOT NULL,
    due_at_us       BIGINT,
    pdf_sha256      TEXT   NOT NULL,
    actor           TEXT   NOT NULL,
    created_at_us   BIGINT NOT NULL,
    idempotency_key TEXT   NOT NULL UNIQUE,
    request_hash    TEXT   NOT NULL,
    -- The form as the officer filled it (CounterFormJson): a later form of the dossier starts from it.
    request_json    TEXT   NOT NULL
);
CREATE INDEX ix_counter_forms_dossier ON counter_forms (dossier_code, created_at_us);
CREATE INDEX ix_counter_forms_pdf ON counter_forms (pdf_sha256);
