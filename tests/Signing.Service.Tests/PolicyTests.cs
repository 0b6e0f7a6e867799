using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Signing.Core;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>The policy table and the startup check, without HTTP.</summary>
public sealed class PolicyTests
{
    public static TheoryData<string, string> EveryPolicyForEveryRole()
    {
        var data = new TheoryData<string, string>();
        foreach (var policy in Policies.RolesAdmitted.Keys)
            foreach (var role in Roles.All)
                data.Add(policy, role);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPolicyForEveryRole))]
    public async Task Every_policy_admits_exactly_its_roles(string policy, string role)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSigningPolicies();
        await using var provider = services.BuildServiceProvider();
        var authorization = provider.GetRequiredService<IAuthorizationService>();
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "x"), new Claim(ClaimTypes.Role, role)],
            CertificateAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));

        var result = await authorization.AuthorizeAsync(user, policy);
        Assert.Equal(Policies.RolesAdmitted[policy].Contains(role), result.Succeeded);
    }

    [Fact]
    public void Startup_check_names_an_endpoint_that_forgot_its_policy()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddRouting();
        using var app = builder.Build();
        app.MapGet("/forgotten", () => "x");
        app.MapGet("/fine", () => "x").StaffEndpoint(Policies.Seal);
        app.MapGet("/open", () => "x").PublicEndpoint();
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).ToList();

        var error = Assert.Throws<SigningException>(() => ListenerSeparation.EnsureEveryEndpointHasExplicitPolicy(endpoints));
        Assert.Contains("/forgotten", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/fine", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/open", error.Message, StringComparison.Ordinal);
    }
}
