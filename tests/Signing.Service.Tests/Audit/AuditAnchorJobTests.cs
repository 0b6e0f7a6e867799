using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Service.Audit;
using Signing.Storage;
using Signing.Testing;
using Signing.Testing.Pades;
using Signing.Timestamping;
using Signing.Validation;

namespace Signing.Service.Tests.Audit;

/// <summary>
/// The audit checkpoint job on a real registry (SQLite and PostgreSQL) with the dev PKI's TSA:
/// it anchors after EveryRecords records or EveryMinutes, once per seq across instances, and
/// a TSA outage is a warning, not a stop.
/// </summary>
public abstract class AuditAnchorJobTests : IAsyncLifetime
{
    private static readonly Lazy<RevocationPki> Pki = new(() => new RevocationPki());
    private readonly ConcurrentQueue<string> _logs = new();
    private int _codes;

    protected AdjustableTime Clock { get; } = new();

    protected DocumentStorage Storage { get; private set; } = null!;

    protected abstract Task<DocumentStorage> OpenAsync(StorageOptions options);

    public async Task InitializeAsync() => Storage = await OpenAsync(new StorageOptions { Time = Clock });

    public virtual async Task DisposeAsync() => await Storage.DisposeAsync();

    private AuditAnchorJob Job(int everyRecords = 5, int everyMinutes = 60, Core.Timestamps.ITimestampClient? tsa = null)
    {
        var factory = LoggerFactory.Create(b => b.AddProvider(new CapturingLoggerProvider(_logs)));
        return new AuditAnchorJob(Storage.Audit, tsa ?? Pki.Value.Tsa, new AuditAnchorOptions { EveryRecords = everyRecords, EveryMinutes = everyMinutes },
            Clock, factory.CreateLogger<AuditAnchorJob>());
    }

    private async Task AppendAsync(int records)
    {
        for (var i = 0; i < records; i++)
        {
            var code = $"AJ{Interlocked.Increment(ref _codes):D4}{Guid.NewGuid():N}"[..20];
            await Storage.Registry.CreateAsync(new NewDocument { VerificationCode = code, DossierCode = "000.00.15.H29-261202-0001", Template = "giay-chung-nhan" },
                "key-" + code, "hash-" + code, "staff:an");
        }
    }

    private Task<AuditVerification> VerifyAsync() =>
        Storage.Audit.VerifyAsync(new AuditAnchorTokenCheck(new VerificationPolicy { TrustAnchors = Pki.Value.Anchors, Revocation = Validation.Policy.RevocationPolicy.Default with { Online = Pki.Value.Source } }));

    [Fact]
    public async Task The_job_anchors_the_head_once_EveryRecords_records_are_unanchored()
    {
        var job = Job(everyRecords: 5);
        Assert.Equal(AuditAnchorRound.NothingNew, await job.RunOnceAsync(CancellationToken.None));
        await AppendAsync(4);
        Assert.Equal(AuditAnchorRound.NotDue, await job.RunOnceAsync(CancellationToken.None));
        await AppendAsync(1);
        Assert.Equal(AuditAnchorRound.Anchored, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(AuditAnchorRound.NothingNew, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(5, (await Storage.Audit.GetLastAnchorAsync())!.Seq);
        Assert.Contains(_logs, l => l == "Information: audit chain anchored at seq 5 by the TSA (5 new record(s))");

        await AppendAsync(7);
        Assert.Equal(AuditAnchorRound.Anchored, await job.RunOnceAsync(CancellationToken.None));
        var v = await VerifyAsync();
        Assert.True(v.IsValid, v.Problem?.Message);
        Assert.Equal(new[] { 5L, 12L }, (await Storage.Audit.ReadAnchorsAsync(1, 100)).Select(a => a.Seq));
        Assert.Null(v.Anchoring!.UnanchoredFrom);
    }

    [Fact]
    public async Task A_few_records_are_anchored_once_the_oldest_is_EveryMinutes_old()
    {
        var job = Job(everyRecords: 1000, everyMinutes: 30);
        await AppendAsync(2);
        Assert.Equal(AuditAnchorRound.NotDue, await job.RunOnceAsync(CancellationToken.None));
        Clock.Offset = TimeSpan.FromMinutes(29);
        Assert.Equal(AuditAnchorRound.NotDue, await job.RunOnceAsync(CancellationToken.None));
        Clock.Offset = TimeSpan.FromMinutes(30);
        Assert.Equal(AuditAnchorRound.Anchored, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(2, (await Storage.Audit.GetLastAnchorAsync())!.Seq);
    }

    [Fact]
    public async Task Instances_racing_for_the_same_head_store_one_anchor()
    {
        await AppendAsync(5);
        var rounds = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Job(everyRecords: 5).RunOnceAsync(CancellationToken.None))));
        Assert.Equal(1, rounds.Count(r => r == AuditAnchorRound.Anchored));
        Assert.All(rounds, r => Assert.Contains(r, new[] { AuditAnchorRound.Anchored, AuditAnchorRound.AnchoredElsewhere, AuditAnchorRound.NothingNew }));
        Assert.Single(await Storage.Audit.ReadAnchorsAsync(1, 100));
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task A_TSA_outage_is_a_warning_and_the_next_round_anchors()
    {
        // A real HTTP client at a loopback port nobody listens on.
        using var http = new HttpClient();
        var deadPort = System.Net.Sockets.TcpListener.Create(0);
        deadPort.Start();
        var url = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)deadPort.LocalEndpoint).Port}/tsa");
        deadPort.Stop();
        var down = Job(everyRecords: 1, tsa: new Rfc3161Client(http, url, new Rfc3161ClientOptions { Attempts = 1 }));

        await AppendAsync(1);
        Assert.Equal(AuditAnchorRound.Failed, await down.RunOnceAsync(CancellationToken.None));
        Assert.Contains(_logs, l => l.StartsWith("Warning: audit anchoring failed (", StringComparison.Ordinal) && l.EndsWith("); next try in 00:01:00", StringComparison.Ordinal));
        Assert.Null(await Storage.Audit.GetLastAnchorAsync());
        await AppendAsync(1); // issuance goes on while the TSA is down

        Assert.Equal(AuditAnchorRound.Anchored, await Job(everyRecords: 1).RunOnceAsync(CancellationToken.None));
        Assert.Equal(2, (await Storage.Audit.GetLastAnchorAsync())!.Seq);
    }
}

/// <summary>Signing:AuditAnchor: defaults, and a bad value stops startup naming it.</summary>
public sealed class AuditAnchorOptionsTests
{
    [Fact]
    public void Settings_have_defaults_and_a_bad_value_stops_startup_naming_it()
    {
        var defaults = AuditAnchorOptions.Read(new ConfigurationBuilder().Build());
        Assert.Equal(1000, defaults.EveryRecords);
        Assert.Equal(60, defaults.EveryMinutes);
        var set = AuditAnchorOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Signing:AuditAnchor:EveryRecords"] = "50", ["Signing:AuditAnchor:EveryMinutes"] = "5" }).Build());
        Assert.Equal(new AuditAnchorOptions { EveryRecords = 50, EveryMinutes = 5 }, set);
        var bad = Assert.Throws<SigningException>(() => AuditAnchorOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Signing:AuditAnchor:EveryMinutes"] = "0" }).Build()));
        Assert.Equal("Signing:AuditAnchor:EveryMinutes '0' is not a number between 1 and 10080.", bad.Message);
    }
}

public sealed class SqliteAuditAnchorJobTests : AuditAnchorJobTests
{
    private readonly string _dir = RepoPaths.NewTempDirectory("anchor-job");

    protected override Task<DocumentStorage> OpenAsync(StorageOptions options) => DocumentStorage.OpenSqliteAsync(_dir, options);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class PostgresAuditAnchorJobTests : AuditAnchorJobTests
{
    private readonly string _database = "anchor_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _blobs = RepoPaths.NewTempDirectory("anchor-job-blobs");

    protected override async Task<DocumentStorage> OpenAsync(StorageOptions options)
    {
        var admin = PostgresIssuanceFixture.AdminConnectionString();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return await DocumentStorage.OpenPostgresAsync(new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ToString(), _blobs, options);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await using var connection = new NpgsqlConnection(PostgresIssuanceFixture.AdminConnectionString());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
        Directory.Delete(_blobs, recursive: true);
    }
}
