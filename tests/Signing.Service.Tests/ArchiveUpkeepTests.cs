using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Signing.Core.Documents;
using Signing.DevPki;
using Signing.Issuance;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Validation;

namespace Signing.Service.Tests;

/// <summary>Levels per template and agency for the archive suites: mau-01 B-T, SỞ XÂY DỰNG B-LT, the rest the default B-LTA.</summary>
public sealed class ArchiveFixture : IssuanceFixture
{
    protected override void AddSettings(Dictionary<string, string?> settings) => ArchiveSettings.Add(settings);
}

public sealed class ArchivePostgresFixture : PostgresIssuanceFixture
{
    protected override void AddSettings(Dictionary<string, string?> settings) => ArchiveSettings.Add(settings);
}

internal static class ArchiveSettings
{
    public static void Add(Dictionary<string, string?> settings)
    {
        settings["Signing:LongTerm:Templates:mau-01-tiep-nhan"] = "B-T";
        settings["Signing:LongTerm:Agencies:0:Name"] = "Sở Xây dựng";
        settings["Signing:LongTerm:Agencies:0:Level"] = "B-LT";
        settings["Signing:Archive:Lease"] = "00:10:00";
    }
}

public sealed class ArchiveUpkeepOnSqliteTests(ArchiveFixture f) : ArchiveUpkeepTests(f), IClassFixture<ArchiveFixture>;

public sealed class ArchiveUpkeepOnPostgresTests(ArchivePostgresFixture f) : ArchiveUpkeepTests(f), IClassFixture<ArchivePostgresFixture>;

/// <summary>
/// Issued results are B-LTA unless configured per template or agency, and the archive upkeep job
/// renews a result whose last document timestamp's TSA certificate nears expiry: with the
/// service's clock moved forward, two job instances at once renew it exactly once; a crash between
/// the steps leaves the claim to expire and a later run renews it once; every version is kept, the
/// public page and download serve the newest, an upload of the older one still matches, and the
/// audit chain verifies. Runs on SQLite and on the real PostgreSQL server.
/// </summary>
public abstract class ArchiveUpkeepTests(IssuanceFixture f)
{
    private IServiceProvider Services => f.Service.Services;
    private IssuanceRuntime Runtime => Services.GetRequiredService<IssuanceRuntime>();
    private IArchiveRegistry Archive => Runtime.Storage.Archive;

    [Fact]
    public async Task Issued_results_are_B_LTA_by_default_B_LT_for_the_configured_agency_and_B_T_for_the_configured_template()
    {
        var (ltaId, _) = await f.IssueAsync("quyet-dinh");
        var (ltId, _) = await f.IssueAsync("giay-phep");
        var (tId, _) = await f.IssueAsync("mau-01-tiep-nhan");

        var lta = await PdfOf(ltaId);
        var report = Verify(lta);
        Assert.True(report.Indication == Indication.TOTAL_PASSED, string.Join("; ", report.Signatures.SelectMany(s => s.Messages)));
        Assert.Equal(["SIGNATURE", "SIGNATURE", "DOCUMENT_TIMESTAMP"], report.Signatures.Select(s => s.Kind.ToString()));
        Assert.All(report.Signatures.Where(s => s.Kind == SignatureKind.SIGNATURE), s => Assert.Equal("B-LTA", s.PadesLevel));
        Assert.True(ArchiveProof.Read(lta).HasTimestamp);

        var lt = Verify(await PdfOf(ltId));
        Assert.Equal(Indication.TOTAL_PASSED, lt.Indication);
        Assert.All(lt.Signatures, s => Assert.Equal(SignatureKind.SIGNATURE, s.Kind));
        Assert.All(lt.Signatures, s => Assert.Equal("B-LT", s.PadesLevel));
        var t = Verify(await PdfOf(tId));
        Assert.Equal(Indication.TOTAL_PASSED, t.Indication);
        Assert.All(t.Signatures, s => Assert.Equal("B-T", s.PadesLevel));

        // The seal's audit record names the level it was issued at.
        var history = await Runtime.Registry.GetHistoryAsync(ltaId);
        Assert.Contains("\"level\":\"B-LTA\"", history.Single(r => r.Action == "seal").DetailsJson, StringComparison.Ordinal);

        // pdfsig, trusting the test root and asking the test PKI's OCSP responder: both signatures valid and trusted.
        var file = Path.Combine(f.DataDirectory, "b-lta.pdf");
        await File.WriteAllBytesAsync(file, lta);
        var pdfsig = ExternalTool.Run("pdfsig", "-nssdir", "sql:" + NssDirectory(), file).StdOut;
        Assert.True(Count(pdfsig, "Signature is Valid.") >= 2, pdfsig);
        Assert.True(Count(pdfsig, "Certificate is Trusted.") >= 2, pdfsig);
        Assert.DoesNotContain("Signature is Invalid", pdfsig, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_instances_at_once_renew_a_due_result_exactly_once_and_every_version_stays_a_match()
    {
        var (id, code) = await f.IssueAsync("quyet-dinh");
        var first = await Runtime.Registry.GetAsync(id);
        var v1 = await PdfOf(id);
        var a = Services.GetRequiredService<ArchiveUpkeep>();
        var b = ActivatorUtilities.CreateInstance<ArchiveUpkeep>(Services);
        Assert.NotEqual(a.Owner, b.Owner);

        // Now: indexed, nothing due.
        await a.RunOnceAsync(CancellationToken.None);
        var entry = await Archive.GetEntryAsync(id);
        Assert.NotNull(entry);
        Assert.Equal(first!.PdfSha256, entry.PdfSha256);
        Assert.Equal(0, entry.Renewals);
        var tsaNotAfter = entry.Facts.TsaNotAfter!.Value;
        Assert.Equal(TsaCertificate().NotAfter.ToUniversalTime(), tsaNotAfter.UtcDateTime);

        try
        {
            // 30 days before the TSA certificate expires: inside the 90-day margin.
            MoveClockTo(tsaNotAfter - TimeSpan.FromDays(30));
            var runs = await Task.WhenAll(a.RunOnceAsync(CancellationToken.None), b.RunOnceAsync(CancellationToken.None));
            Assert.Equal(0, runs.Sum(r => r.Failed));
            Assert.Equal(1, await RenewalsOf(id));

            // Again: renewed in this window with a TSA whose certificate reaches no further, so nothing more is done.
            await Task.WhenAll(a.RunOnceAsync(CancellationToken.None), b.RunOnceAsync(CancellationToken.None));
            Assert.Equal(1, await RenewalsOf(id));
        }
        finally
        {
            f.Clock.Offset = TimeSpan.Zero;
        }

        var renewed = await Runtime.Registry.GetAsync(id);
        Assert.Equal(first.Version + 1, renewed!.Version);
        Assert.Equal(DocumentStatus.Issued, renewed.Status);
        var v2 = await PdfOf(id);
        Assert.True(v2.AsSpan().StartsWith(v1), "the renewal appends to the issued bytes");
        var versions = await Runtime.Registry.GetPdfVersionsAsync(id);
        Assert.Equal([first.PdfSha256!, renewed.PdfSha256!], versions.TakeLast(2).Select(v => v.PdfSha256));
        Assert.True(await Runtime.Storage.Blobs.ExistsAsync(first.PdfSha256!), "the registry keeps every version");

        // The renewed file: fresh /DSS and a second document timestamp, TOTAL_PASSED offline.
        var report = Verify(v2, offline: true);
        Assert.True(report.Indication == Indication.TOTAL_PASSED, string.Join("; ", report.Signatures.SelectMany(s => s.Messages)));
        Assert.Equal(2, report.Signatures.Count(s => s.Kind == SignatureKind.DOCUMENT_TIMESTAMP));
        var index = await Archive.GetEntryAsync(id);
        Assert.Equal(renewed.PdfSha256, index!.PdfSha256);
        Assert.Null(index.ClaimOwner);

        // The history says so; the audit chain still verifies.
        var history = await Runtime.Registry.GetHistoryAsync(id);
        Assert.Equal("create,send_for_signature,sign,seal,issue,archive_renew", string.Join(",", history.Select(r => r.Action)));
        Assert.Equal(ArchiveUpkeep.Actor, history[^1].Actor);
        Assert.Contains("tsa-certificate-expiry", history[^1].DetailsJson, StringComparison.Ordinal);
        Assert.True((await Runtime.Storage.Audit.VerifyAsync()).IsValid);

        // The public page and the download serve the newest version; both versions match the registry.
        using var anonymous = f.Service.Client(clientCertificate: null);
        var page = await anonymous.GetStringAsync(f.Service.Public($"/v/{code}"));
        Assert.Contains(renewed.PdfSha256!, page, StringComparison.Ordinal);
        Assert.Contains($"/v/{code}/pages/1.png", page, StringComparison.Ordinal);
        using (var png = await anonymous.GetAsync(f.Service.Public($"/v/{code}/pages/1.png"))) Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal(v2, await anonymous.GetByteArrayAsync(f.Service.Public($"/v/{code}/original.pdf")));
        foreach (var upload in new[] { v1, v2 })
        {
            var verdict = await IssuanceFlowTests.Upload(anonymous, upload, f.Service);
            Assert.Equal("PASSED", verdict.GetProperty("verdict").GetString());
            Assert.Equal("identical", verdict.GetProperty("registry").GetProperty("match").GetString());
            Assert.Equal(renewed.PdfSha256, verdict.GetProperty("registry").GetProperty("issued").GetProperty("sha256").GetString());
        }
    }

    [Fact]
    public async Task A_crash_between_the_steps_leaves_the_last_committed_version_and_a_later_run_renews_once()
    {
        var (id, _) = await f.IssueAsync("quyet-dinh");
        var before = await Runtime.Registry.GetAsync(id);
        await Services.GetRequiredService<ArchiveUpkeep>().RunOnceAsync(CancellationToken.None);
        var tsaNotAfter = (await Archive.GetEntryAsync(id))!.Facts.TsaNotAfter!.Value;
        var steps = new List<ArchiveStep>();
        // Only this test's document is failed; other due results of the same registry renew normally.
        ArchiveUpkeep Instance(ArchiveStep? crashAt, bool crash) => ActivatorUtilities.CreateInstance<ArchiveUpkeep>(Services, new ArchiveStepHook((step, doc) =>
        {
            if (doc != id) return Task.CompletedTask;
            steps.Add(step);
            if (step == crashAt) throw crash ? new OperationCanceledException("the process died here") : new InvalidOperationException("the TSA connection broke");
            return Task.CompletedTask;
        }));

        try
        {
            MoveClockTo(tsaNotAfter - TimeSpan.FromDays(30));

            // A failure that the job sees: logged, the claim given back, nothing committed.
            var failing = Instance(ArchiveStep.Claimed, crash: false);
            Assert.Equal(1, (await failing.RunOnceAsync(CancellationToken.None)).Failed);
            Assert.Null((await Archive.GetEntryAsync(id))!.ClaimOwner);

            // A crash after the renewed file is made, before its commit: the run dies, the claim stays.
            var crashing = Instance(ArchiveStep.Made, crash: true);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => crashing.RunOnceAsync(CancellationToken.None));
            var afterCrash = await Runtime.Registry.GetAsync(id);
            Assert.Equal(before!.PdfSha256, afterCrash!.PdfSha256);
            Assert.Equal(before.Version, afterCrash.Version);
            Assert.Equal(crashing.Owner, (await Archive.GetEntryAsync(id))!.ClaimOwner);

            // A restarted instance leaves the live claim alone ...
            var restarted = Instance(null, crash: false);
            await restarted.RunOnceAsync(CancellationToken.None);
            Assert.Equal(0, await RenewalsOf(id));

            // ... and takes it over once the lease (10 minutes here) has run out.
            f.Clock.Offset += TimeSpan.FromMinutes(11);
            await restarted.RunOnceAsync(CancellationToken.None);
            Assert.Equal(1, await RenewalsOf(id));
            await restarted.RunOnceAsync(CancellationToken.None);
            Assert.Equal(1, await RenewalsOf(id));
        }
        finally
        {
            f.Clock.Offset = TimeSpan.Zero;
        }

        Assert.Equal([ArchiveStep.Claimed, ArchiveStep.Claimed, ArchiveStep.Made, ArchiveStep.Claimed, ArchiveStep.Made], steps);
        var after = await Runtime.Registry.GetAsync(id);
        Assert.Equal(before.Version + 1, after!.Version);
        Assert.Equal(Indication.TOTAL_PASSED, Verify(await PdfOf(id), offline: true).Indication);
        Assert.True((await Runtime.Storage.Audit.VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task A_result_without_a_document_timestamp_is_indexed_and_never_renewed()
    {
        var (id, _) = await f.IssueAsync("mau-01-tiep-nhan");
        await Services.GetRequiredService<ArchiveUpkeep>().RunOnceAsync(CancellationToken.None);
        var entry = await Archive.GetEntryAsync(id);
        Assert.Equal(ArchiveFacts.NoTimestamp, entry!.Facts.Algorithms);
        try
        {
            MoveClockTo(TsaCertificate().NotAfter.ToUniversalTime() - TimeSpan.FromDays(1));
            await Services.GetRequiredService<ArchiveUpkeep>().RunOnceAsync(CancellationToken.None);
        }
        finally
        {
            f.Clock.Offset = TimeSpan.Zero;
        }

        Assert.Equal(0, await RenewalsOf(id));
    }

    private void MoveClockTo(DateTimeOffset when) => f.Clock.Offset = when - TimeProvider.System.GetUtcNow();

    private async Task<int> RenewalsOf(Guid id) => (await Runtime.Registry.GetHistoryAsync(id)).Count(r => r.Action == "archive_renew");

    private async Task<byte[]> PdfOf(Guid id) => await Runtime.Storage.Blobs.GetAsync((await Runtime.Registry.GetAsync(id))!.PdfSha256!);

    private X509Certificate2 TsaCertificate() => X509CertificateLoader.LoadCertificateFromFile(f.Backend.Layout.CertificateFile(DevPkiBuilder.TsaLabel));

    private VerificationReport Verify(byte[] pdf, bool offline = false)
    {
        var policy = Runtime.VerificationPolicy;
        // Our own files: the read limits but a parse time that a loaded test machine does not exceed.
        var limits = new Signing.PdfSyntax.PdfReadLimits { MaxParseTime = TimeSpan.FromMinutes(2) };
        return PdfSignatureVerifier.Verify(pdf, policy with { Limits = limits, Revocation = policy.Revocation with { ForceOffline = offline } });
    }

    private string NssDirectory()
    {
        var dir = Path.Combine(f.DataDirectory, "nssdb");
        if (Directory.Exists(dir)) return dir;
        Directory.CreateDirectory(dir);
        ExternalTool.RunChecked("certutil", "-N", "-d", "sql:" + dir, "--empty-password");
        ExternalTool.RunChecked("certutil", "-A", "-d", "sql:" + dir, "-n", "root", "-t", "CT,C,C", "-i", f.Backend.Layout.CertificateFile(DevPkiBuilder.RootLabel));
        return dir;
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}

/// <summary>A validation policy whose SHA-256 ends in 60 days: within the archive margin of 90 days.</summary>
public sealed class SunsetFixture : IssuanceFixture
{
    public static readonly DateTimeOffset Sunset = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(60);

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        settings["Signing:Validation:DigestAlgorithms:0:Algorithm"] = "SHA256";
        settings["Signing:Validation:DigestAlgorithms:0:Until"] = Sunset.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The other trigger: the last document timestamp's digest nears its sunset in the validation policy.</summary>
public sealed class ArchiveSunsetTests(SunsetFixture f) : IClassFixture<SunsetFixture>
{
    [Fact]
    public async Task A_result_whose_digest_nears_its_policy_sunset_is_renewed_once_and_the_warning_names_the_limit()
    {
        var (id, _) = await f.IssueAsync("quyet-dinh");
        var runtime = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        var job = f.Service.Services.GetRequiredService<ArchiveUpkeep>();
        Assert.Equal(SunsetFixture.Sunset, ArchiveProof.SunsetOf("SHA256 RSA-2048", runtime.VerificationPolicy.Crypto));

        var first = await job.RunOnceAsync(CancellationToken.None);
        Assert.True(first.Renewed >= 1);
        var history = await runtime.Registry.GetHistoryAsync(id);
        Assert.Contains("algorithm-sunset", history.Single(r => r.Action == "archive_renew").DetailsJson, StringComparison.Ordinal);

        // Our TSA still stamps with SHA-256: a second renewal would reach no further, so there is none.
        var second = await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, second.Renewed);
        Assert.True(second.Skipped >= 1);
        Assert.Single(await runtime.Registry.GetHistoryAsync(id), r => r.Action == "archive_renew");
    }

    [Fact]
    public void Sunsets_follow_the_policy_rules()
    {
        var crypto = Signing.Validation.Policy.CryptoConstraints.Default;
        Assert.Null(ArchiveProof.SunsetOf("SHA256 RSA-2048", crypto));
        Assert.Equal(new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero), ArchiveProof.SunsetOf("SHA1 RSA-2048", crypto));
        Assert.Equal(new DateTimeOffset(2014, 1, 1, 0, 0, 0, TimeSpan.Zero), ArchiveProof.SunsetOf("SHA256 RSA-1024", crypto));
        Assert.Equal(DateTimeOffset.MinValue, ArchiveProof.SunsetOf("SHA256 RSA-512", crypto));
        Assert.Equal(DateTimeOffset.MinValue, ArchiveProof.SunsetOf("MD2 RSA-2048", crypto));
        var tsa = new DateTimeOffset(2028, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(tsa, ArchiveProof.ProtectedUntil(new ArchiveFacts(null, tsa, "SHA256 RSA-2048"), crypto));
        Assert.Equal(new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero), ArchiveProof.ProtectedUntil(new ArchiveFacts(null, tsa, "SHA1 RSA-2048"), crypto));
        Assert.Null(ArchiveProof.ProtectedUntil(new ArchiveFacts(null, null, ArchiveFacts.NoTimestamp), crypto));
    }
}

/// <summary>A service whose revocation source has no answer for anyone (every responder down).</summary>
public sealed class NoRevocationFixture : IssuanceFixture
{
    protected override void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) => builder.Services.AddSingleton<Signing.Revocation.IRevocationSource>(new Signing.Revocation.FirstAnswerSource());
}

/// <summary>Without revocation data there is no B-LTA result: the seal answers 503 and commits nothing, and a retry may seal later.</summary>
public sealed class SealWithoutRevocationDataTests(NoRevocationFixture f) : IClassFixture<NoRevocationFixture>
{
    [Fact]
    public async Task The_seal_is_refused_with_503_naming_the_missing_data_and_the_document_stays_signed()
    {
        var (id, _) = await f.SubmitAndSignAsync("quyet-dinh");
        using var seal = f.Client(Roles.SealOperator);
        var problem = await IssuanceFixture.AssertProblem(await seal.PostAsync(f.Service.Staff($"/api/documents/{id}/seal"), null), 503);
        Assert.Contains("B-LTA validation data", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("No revocation data", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var runtime = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        Assert.Equal(DocumentStatus.Signed, (await runtime.Registry.GetAsync(id))!.Status);
        Assert.DoesNotContain(await runtime.Registry.GetHistoryAsync(id), r => r.Action == "seal");
    }
}
