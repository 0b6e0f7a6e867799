using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Signing.Service.Authorization;

/// <summary>
/// Named authorization policies, one per staff action. Every staff endpoint names one of these
/// with <c>RequireAuthorization(Policies.X)</c>; <see cref="Roles"/> says who may do what, and
/// <see cref="RoleOf"/> is the single place that ties an action to its role.
/// </summary>
public static class Policies
{
    public const string SubmitDocument = "documents.submit";
    public const string ReadDocument = "documents.read";
    public const string DownloadDocument = "documents.download";
    public const string PrintDocument = "documents.print";
    /// <summary>The head's own queue; whether a document is in it is checked by the endpoint (resource-based).</summary>
    public const string SignOwnQueue = "signing.own-queue";
    public const string Seal = "documents.seal";
    public const string Issue = "documents.issue";
    public const string ReadAudit = "audit.read";
    public const string Revoke = "documents.revoke";
    public const string Supersede = "documents.supersede";
    public const string Configure = "service.configure";
    /// <summary>The OpenAPI document: any staff member with a role may read how the API is shaped (it holds no data).</summary>
    public const string ReadApiDescription = "api.describe";
    /// <summary>The console's home page: any staff role sees it, with links to the pages of its own roles.</summary>
    public const string OpenConsole = "console.open";

    /// <summary>Issue a Decree 61 counter form (Mẫu 01-04) for a dossier.</summary>
    public const string IssueCounterForm = "forms.issue";

    /// <summary>
    /// Manage the caller's own webhook subscriptions and their deliveries. Counter staff: the one-stop
    /// software submits with a counter certificate, and events carry only what that role may read.
    /// </summary>
    public const string ManageWebhooks = "webhooks.manage";

    /// <summary>The role each policy requires.</summary>
    public static IReadOnlyDictionary<string, string> RoleOf { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [SubmitDocument] = Roles.CounterStaff,
        [ReadDocument] = Roles.CounterStaff,
        [DownloadDocument] = Roles.CounterStaff,
        [PrintDocument] = Roles.CounterStaff,
        [SignOwnQueue] = Roles.DepartmentHead,
        [Seal] = Roles.SealOperator,
        [Issue] = Roles.SealOperator,
        [ReadAudit] = Roles.Auditor,
        [Revoke] = Roles.Admin,
        [Supersede] = Roles.Admin,
        [Configure] = Roles.Admin,
        [IssueCounterForm] = Roles.CounterStaff,
        [ManageWebhooks] = Roles.CounterStaff,
    };

    /// <summary>The roles each policy admits: the action policies one role each (<see cref="RoleOf"/>), the API description every role.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> RolesAdmitted { get; } =
        RoleOf.Select(p => KeyValuePair.Create(p.Key, (IReadOnlyList<string>)[p.Value]))
            .Append(KeyValuePair.Create(ReadApiDescription, Roles.All))
            .Append(KeyValuePair.Create(OpenConsole, Roles.All))
            .ToDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Registers the policies, each requiring a principal authenticated by the client-certificate
    /// scheme with one of the policy's roles, and a fallback policy (authenticated by that scheme) for
    /// endpoints that forgot to name one; public endpoints opt out with AllowAnonymous. A forbidden
    /// result is answered by <see cref="ProblemAuthorizationResultHandler"/>.
    /// </summary>
    public static AuthorizationBuilder AddSigningPolicies(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        var builder = services.AddAuthorizationBuilder();
        foreach (var (policy, roles) in RolesAdmitted)
        {
            builder.AddPolicy(policy, p => p
                .AddAuthenticationSchemes(CertificateAuthenticationDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireRole(roles));
        }
        builder.SetFallbackPolicy(new AuthorizationPolicyBuilder(CertificateAuthenticationDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .Build());
        return builder;
    }
}
