using System.Net;
using Signing.Validation;
using Signing.Service.Authorization;
using Signing.Service.Tests;
using Signing.Testing;

namespace Signing.Agent.Tests;

/// <summary>The agent as a head uses it: one PIN, a batch, then the seal step issues what was signed.</summary>
[Collection(AgentCollection.Name)]
public sealed class BatchSigningTests(AgentFixture f)
{
    [Fact]
    public void Setup_enrolled_the_certificate_on_the_token_and_saved_no_secret()
    {
        Assert.Contains("Enrolled", f.SetupResult.StdOut, StringComparison.Ordinal);
        var settings = f.Settings;
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(f.Backend.HeadCertificate.RawData)), settings.CertificateSha256);
        var text = File.ReadAllText(Path.Combine(f.Home, AgentSettings.FileName));
        Assert.DoesNotContain(f.Backend.Token.UserPin, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_hundred_documents_are_signed_in_one_batch_with_one_PIN_then_issued_and_verified()
    {
        var ids = await f.SubmitManyAsync(200);

        // The PIN is typed once: stdin holds one line, so a second prompt would find it closed.
        var run = f.Run(f.Backend.Token.UserPin + "\n", "sign", "--all", "--yes");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("signed 200, refused 0, still pending 0", run.StdOut, StringComparison.Ordinal);
        Assert.Equal(200, run.StdOut.Split('\n').Count(l => l.Contains(" signed", StringComparison.Ordinal) && l.StartsWith('[')));
        Assert.DoesNotContain(f.Backend.Token.UserPin, run.All, StringComparison.Ordinal);

        using var sealer = f.Client(Roles.SealOperator);
        using var staff = f.Client(Roles.CounterStaff);
        var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(
            System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(f.Backend.Layout.CertificateFile(Signing.DevPki.DevPkiBuilder.RootLabel)));
        var directory = RepoPaths.NewTempDirectory("agent-issued");
        foreach (var id in ids)
        {
            Assert.Equal(1, await f.SignaturesInHistoryAsync(id));
            var issued = await IssuanceFixture.Json(await sealer.PostAsync(f.Service.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK);
            Assert.Equal("issued", issued.GetProperty("status").GetString());
            var pdf = await staff.GetByteArrayAsync(f.Service.Staff($"/api/documents/{id}/pdf"));

            var report = PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = anchors });
            Assert.True(report.Indication == Indication.TOTAL_PASSED, report.ToText());
            Assert.Equal(2, report.Signatures.Count(s => s.Kind == SignatureKind.SIGNATURE)); // head, seal; then the B-LTA document timestamp
            Assert.Equal(f.Backend.HeadCertificate.Subject, report.Signatures[0].SignerSubject);

            var file = Path.Combine(directory, id + ".pdf");
            await File.WriteAllBytesAsync(file, pdf);
            var pdfsig = ExternalTool.Run("pdfsig", "-nssdir", "sql:" + f.NssDirectory, file);
            Assert.True(pdfsig.ExitCode == 0, pdfsig.All);
            Assert.Equal(2, CountOf(pdfsig.StdOut, "Signature is Valid."));
            Assert.Equal(2, CountOf(pdfsig.StdOut, "Certificate is Trusted."));
        }

        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Killed_mid_batch_then_run_again_every_document_is_signed_exactly_once()
    {
        var ids = await f.SubmitManyAsync(40);
        using (var agent = f.Start("sign", "--all", "--yes"))
        {
            await agent.StandardInput.WriteLineAsync(f.Backend.Token.UserPin);
            agent.StandardInput.Close();
            string? line;
            while ((line = await agent.StandardOutput.ReadLineAsync()) != null && !line.StartsWith("[5/", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line); // it was mid-batch
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
        }

        var statuses = new List<string>();
        foreach (var id in ids) statuses.Add((await f.DocumentAsync(id)).GetProperty("status").GetString()!);
        Assert.All(statuses, s => Assert.Contains(s, new[] { "awaiting_signature", "signed" }));
        Assert.Contains("signed", statuses);
        Assert.Contains("awaiting_signature", statuses);

        var rerun = f.Run(f.Backend.Token.UserPin + "\n", "sign", "--all", "--yes");
        Assert.True(rerun.ExitCode == 0, rerun.All);
        foreach (var id in ids)
        {
            Assert.Equal("signed", (await f.DocumentAsync(id)).GetProperty("status").GetString());
            Assert.Equal(1, await f.SignaturesInHistoryAsync(id));
        }
    }

    private static int CountOf(string text, string what) => text.Split(what).Length - 1;
}

[CollectionDefinition(Name)]
public sealed class AgentCollection : ICollectionFixture<AgentFixture>
{
    public const string Name = "agent";
}
