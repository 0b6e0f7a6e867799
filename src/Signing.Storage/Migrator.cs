using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// Applies the embedded, numbered schema scripts (<c>Migrations/&lt;engine&gt;/NNNN_name.sql</c>)
/// that the database has not seen yet, each recorded in <c>schema_version</c>, all in one write
/// transaction. Running it again is a no-op; a database newer than this program is refused.
/// </summary>
internal static class Migrator
{
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> Embedded(string engine)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"migrations/{engine}/";
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = Path.GetFileNameWithoutExtension(resource[prefix.Length..]);
            var number = name.Split('_', 2)[0];
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new InvalidOperationException($"migration {resource} does not start with a number");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(version, name, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (list.Count == 0) throw new InvalidOperationException($"no embedded migrations for {engine}");
        return list;
    }

    /// <summary>The highest applied version, 0 when the database has no schema_version table.</summary>
    public static async Task<int> CurrentVersionAsync(SqlDatabase db, DbConnection connection, CancellationToken cancellationToken)
    {
        var exists = db.Engine == "postgres"
            ? await Sql.ScalarAsync(connection, null, "SELECT to_regclass('schema_version')::text", cancellationToken).ConfigureAwait(false)
            : await Sql.ScalarAsync(connection, null, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'", cancellationToken).ConfigureAwait(false);
        if (exists == null) return 0;
        var max = await Sql.ScalarAsync(connection, null, "SELECT MAX(version) FROM schema_version", cancellationToken).ConfigureAwait(false);
        return max == null ? 0 : Convert.ToInt32(max, CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the versions applied by this call (empty when the schema was current).</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(SqlDatabase db, DbConnection connection, long nowMicros, CancellationToken cancellationToken)
    {
        var migrations = Embedded(db.Engine);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (db.Engine == "postgres")
        {
            // Two instances starting at once: the second waits here, then finds nothing to do.
            await Sql.ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(7355608001)", cancellationToken).ConfigureAwait(false);
        }

        await Sql.ExecuteAsync(connection, tx,
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at_us BIGINT NOT NULL)",
            cancellationToken).ConfigureAwait(false);
        var applied = (await Sql.QueryAsync(connection, tx, "SELECT version FROM schema_version",
            r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false)).ToHashSet();

        var newest = migrations[^1].Version;
        if (applied.Count > 0 && applied.Max() > newest)
            throw new StorageException($"the database {db.Describe} has schema version {applied.Max()}, newer than this program's {newest}; upgrade the program");

        var done = new List<int>();
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await Sql.ExecuteAsync(connection, tx, migration.Sql, cancellationToken).ConfigureAwait(false);
            await Sql.ExecuteAsync(connection, tx, "INSERT INTO schema_version (version, name, applied_at_us) VALUES (@v, @n, @t)", cancellationToken,
                ("v", migration.Version), ("n", migration.Name), ("t", nowMicros)).ConfigureAwait(false);
            done.Add(migration.Version);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return done;
    }
}

/// <summary>Small ADO.NET helpers (named @parameters work on both engines).</summary>
internal static class Sql
{
    public static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is constant or built from constant fragments; values are parameters.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction? tx, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, tx, sql, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(map(reader));
        return rows;
    }

    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, tx, sql, parameters);
        var value = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }
}
