using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>What the import of old blob files added.</summary>
/// <param name="Imported">Blobs the database did not have yet.</param>
/// <param name="AlreadyStored">Files whose blob the database held already (an earlier import, or another instance).</param>
public sealed record BlobFileImportResult(int Imported, int AlreadyStored);

/// <summary>
/// Takes the blob files of a registry that kept its blobs in files (<c>&lt;dir&gt;/ab/cd/abcd…</c>)
/// into the PostgreSQL <c>blobs</c> table: each file re-hashed, all in one write transaction with
/// one audit record "import_blob_files", then each file renamed to <c>*.imported</c> so nothing is
/// lost and the next start finds nothing to do. A corrupt file stops the import with nothing
/// taken in: its document's PDF would be lost, which the operator must decide about. A crash
/// between the commit and the renames is harmless: the import only adds what the table lacks.
/// </summary>
internal static class BlobFileImport
{
    public const string ImportedSuffix = ".imported";

    public static async Task<BlobFileImportResult> RunAsync(PostgresDatabase db, PostgresBlobStore blobs, TimeProvider time, string directory, string actor,
        CancellationToken cancellationToken)
    {
        var files = new FileBlobStore(directory, time);
        var keys = new List<string>();
        await foreach (var key in files.ListAsync(DateTimeOffset.MaxValue, cancellationToken).ConfigureAwait(false)) keys.Add(key);
        if (keys.Count == 0) return new BlobFileImportResult(0, 0);

        int imported = 0, already = 0;
        var taken = new List<string>();
        await using (var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            // Under the write lock: a second instance starting at once waits here, then finds every blob stored.
            await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var head = await SqlAuditLog.ReadHeadAsync(connection, tx, db.SelectHeadForUpdateSql, cancellationToken).ConfigureAwait(false);
            foreach (var key in keys.Order(StringComparer.Ordinal))
            {
                if (!File.Exists(files.PathOf(key))) continue; // renamed by an instance that imported it first
                byte[] content;
                try
                {
                    content = await files.GetAsync(key, cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException e) when (File.Exists(files.PathOf(key)))
                {
                    throw new StorageException($"{e.Message} ({files.PathOf(key)}); nothing was imported: restore the file from a backup, or move it out of {files.Root} to accept its loss", e);
                }
                catch (StorageException)
                {
                    continue; // gone between the check and the read: another instance took it
                }

                if (await blobs.InsertIfMissingAsync(connection, tx, key, content, cancellationToken).ConfigureAwait(false)) imported++;
                else already++;
                taken.Add(key);
            }

            if (imported > 0)
            {
                await SqlDocumentStore.AppendAuditAsync(connection, tx, head, AuditChain.ToStoredPrecision(time.GetUtcNow()), actor, "import_blob_files", null,
                    SqlDocumentStore.Details(w =>
                    {
                        w.WriteNumber("imported", imported);
                        w.WriteNumber("already_stored", already);
                        w.WriteString("from", files.Root);
                    }, null), cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var key in taken)
        {
            var path = files.PathOf(key);
            try
            {
                File.Move(path, path + ImportedSuffix, overwrite: true);
            }
            catch (FileNotFoundException)
            {
                // another instance renamed it first
            }
        }

        return new BlobFileImportResult(imported, already);
    }
}
