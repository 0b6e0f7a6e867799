using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Signing.Core;
using Signing.Service.Authentication;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>CRL handling, configuration switches and startup checks; servers here get their own files.</summary>
public sealed class RevocationAndConfigurationTests(TestPki pki) : IClassFixture<TestPki>
{
    private readonly TestPki _pki = pki;

    private string CopyOfIssuingCrl()
    {
        var path = Path.Combine(_pki.Directory, $"issuing-{Guid.NewGuid():N}.crl");
        File.Copy(_pki.IssuingCrl, path);
        return path;
    }

    private static ClientCertificateRevocation Checker(params string[] files)
    {
        var options = new CrlRevocationOptions { ReloadCheckInterval = TimeSpan.Zero };
        options.Files.AddRange(files);
        return new ClientCertificateRevocation(Options.Create(options), TimeProvider.System, NullLogger<ClientCertificateRevocation>.Instance);
    }

    [Fact]
    public async Task Stale_crl_fails_closed_and_a_fresh_one_is_picked_up_without_restart()
    {
        var crlPath = CopyOfIssuingCrl();
        var now = DateTimeOffset.UtcNow;
        File.WriteAllBytes(crlPath, TestPki.BuildCrl(_pki.Issuing, [_pki.Revoked], now.AddDays(-10), now.AddDays(-1), 2));
        await using var service = await RunningService.StartAsync(_pki, RunningService.DefaultSettings(_pki, crlPath));
        using var client = service.Client(_pki.RoleClients[Roles.CounterStaff]);

        using (var stale = await client.GetAsync(service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff])))
            await MutualTlsAuthenticationTests.AssertProblemAsync(stale, 401, "out of date");

        // The CA publishes its next CRL: the running service reads it on the next request.
        File.WriteAllBytes(crlPath, TestPki.BuildCrl(_pki.Issuing, [_pki.Revoked], now.AddMinutes(-1), now.AddDays(7), 3));
        File.SetLastWriteTimeUtc(crlPath, DateTime.UtcNow.AddSeconds(1));
        using var fresh = await client.GetAsync(service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Missing_crl_file_fails_closed_and_can_be_turned_into_a_warning()
    {
        var missing = Path.Combine(_pki.Directory, "no-such.crl");
        var settings = RunningService.DefaultSettings(_pki, missing);
        await using (var strict = await RunningService.StartAsync(_pki, settings))
        {
            using var client = strict.Client(_pki.RoleClients[Roles.CounterStaff]);
            using var response = await client.GetAsync(strict.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
            await MutualTlsAuthenticationTests.AssertProblemAsync(response, 401, "no CRL is configured for the issuing CA");
        }

        settings["Authentication:ClientCertificate:FailWhenRevocationUnknown"] = "false";
        await using var lenient = await RunningService.StartAsync(_pki, settings);
        using var lenientClient = lenient.Client(_pki.RoleClients[Roles.CounterStaff]);
        using var accepted = await lenientClient.GetAsync(lenient.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Client_auth_eku_check_can_be_switched_off()
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings["Authentication:ClientCertificate:ValidateCertificateUse"] = "false";
        settings["Authorization:Roles:CounterStaff:1"] = _pki.WithoutClientAuthEku.Subject;
        await using var service = await RunningService.StartAsync(_pki, settings);
        using var client = service.Client(_pki.WithoutClientAuthEku);
        using var response = await client.GetAsync(service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Self_signed_certificates_when_allowed_get_roles_only_by_thumbprint()
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings["Authentication:ClientCertificate:AllowedCertificateTypes"] = "All";
        await using var service = await RunningService.StartAsync(_pki, settings);
        using (var client = service.Client(_pki.SelfSigned))
        {
            // Its subject equals the Admin mapping, but anyone can write any subject into a self-signed certificate.
            using var bySubject = await client.GetAsync(service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.Admin]));
            await MutualTlsAuthenticationTests.AssertProblemAsync(bySubject, 403, "does not hold a role");
        }

        settings["Authorization:Roles:Admin:1"] = CertificateRoleMapper.Sha256Thumbprint(_pki.SelfSigned);
        await using var pinned = await RunningService.StartAsync(_pki, settings);
        using var pinnedClient = pinned.Client(_pki.SelfSigned);
        using var byThumbprint = await pinnedClient.GetAsync(pinned.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.Admin]));
        Assert.Equal(HttpStatusCode.OK, byThumbprint.StatusCode);
    }

    [Fact]
    public void Checker_reports_good_revoked_and_unknown_from_the_configured_crls()
    {
        var checker = Checker(_pki.IssuingCrl, _pki.RootCrl);
        Assert.Equal(RevocationStatus.Good, checker.Check(_pki.RoleClients[Roles.Admin], _pki.Issuing).Status);
        Assert.Equal(RevocationStatus.Revoked, checker.Check(_pki.Revoked, _pki.Issuing).Status);
        Assert.Equal(RevocationStatus.Good, checker.Check(_pki.Issuing, _pki.Root).Status);
        var unknown = checker.Check(_pki.FromUnknownCa, _pki.OtherRoot);
        Assert.Equal(RevocationStatus.Unknown, unknown.Status);
        Assert.Equal("no CRL is configured for the issuing CA", unknown.Reason);
    }

    [Fact]
    public void Checker_rejects_a_crl_with_the_right_issuer_name_but_a_foreign_signature()
    {
        // An impostor CA with the issuing CA's name signs a CRL that lists nobody.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(_pki.Issuing.SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var impostor = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        var forged = Path.Combine(_pki.Directory, "forged.crl");
        File.WriteAllBytes(forged, TestPki.BuildCrl(impostor, [], DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(7), 9));

        var result = Checker(forged).Check(_pki.Revoked, _pki.Issuing);
        Assert.Equal(RevocationStatus.Unknown, result.Status);
        Assert.Equal("the CRL for the issuing CA has an invalid signature", result.Reason);
    }

    [Fact]
    public void Checker_reloads_a_changed_file_and_sees_a_new_revocation()
    {
        var crlPath = CopyOfIssuingCrl();
        var checker = Checker(crlPath);
        var victim = _pki.RoleClients[Roles.Auditor];
        Assert.Equal(RevocationStatus.Good, checker.Check(victim, _pki.Issuing).Status);

        var now = DateTimeOffset.UtcNow;
        File.WriteAllBytes(crlPath, TestPki.BuildCrl(_pki.Issuing, [_pki.Revoked, victim], now.AddMinutes(-1), now.AddDays(7), 5));
        File.SetLastWriteTimeUtc(crlPath, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(RevocationStatus.Revoked, checker.Check(victim, _pki.Issuing).Status);
    }

    [Fact]
    public void Checker_treats_garbage_file_as_unknown()
    {
        var garbage = Path.Combine(_pki.Directory, "garbage.crl");
        File.WriteAllText(garbage, "this is not a CRL");
        var result = Checker(garbage).Check(_pki.RoleClients[Roles.Admin], _pki.Issuing);
        Assert.Equal(RevocationStatus.Unknown, result.Status);
    }

    [Fact]
    public async Task Service_refuses_to_start_when_revocation_is_on_but_no_crl_is_configured()
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings.Remove("Authentication:ClientCertificate:Crl:Files:0");
        settings.Remove("Authentication:ClientCertificate:Crl:Files:1");
        var error = await Assert.ThrowsAsync<SigningException>(() => RunningService.StartAsync(_pki, settings));
        Assert.Contains("Crl:Files is empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authorization:Roles:Janitor:0", "CN=X", "unknown role 'Janitor'")]
    [InlineData("Authorization:Roles:Admin:0", "sha256:1234", "is not a SHA-256 thumbprint")]
    [InlineData("Authorization:Roles:Admin:0", "not a = = name,,", "is not a distinguished name")]
    public async Task Service_refuses_to_start_with_bad_role_mapping(string key, string value, string message)
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings[key] = value;
        var error = await Assert.ThrowsAsync<SigningException>(() => RunningService.StartAsync(_pki, settings));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
