-- The list pages order by (created_at_us DESC, id DESC) within a filter. An index that ends with
-- both columns serves a page straight from the index; without id the database sorts every match
-- (16,000 rows for one status of 100,000 documents; docs/benchmarks.md, console).
CREATE INDEX ix_documents_status_page ON documents (status, created_at_us DESC, id DESC);
CREATE INDEX ix_documents_signer_page ON documents (signer_id, created_at_us DESC, id DESC);
CREATE INDEX ix_documents_dossier_page ON documents (dossier_code, created_at_us DESC, id DESC);
CREATE INDEX ix_documents_template_page ON documents (template, created_at_us DESC, id DESC);
DROP INDEX ix_documents_status;
DROP INDEX ix_documents_signer;
