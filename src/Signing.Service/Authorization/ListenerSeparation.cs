using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Signing.Service.Authorization;

/// <summary>The two Kestrel listeners: mutual-TLS staff/API and the public verification port.</summary>
public enum ServiceListener
{
    Staff,
    Public,
}

/// <summary>
/// Connection feature set by the listener's connection middleware, telling which listener
/// accepted the connection. Unlike the Host header it cannot be chosen by the client.
/// </summary>
public sealed class ServiceListenerFeature(ServiceListener listener)
{
    public ServiceListener Listener { get; } = listener;
}

/// <summary>Endpoint metadata: the listeners an endpoint is served on. Without it, an endpoint is staff-only.</summary>
public sealed class ServedOnListenersMetadata(params ServiceListener[] listeners)
{
    public IReadOnlyList<ServiceListener> Listeners { get; } = listeners;
}

/// <summary>How endpoints declare their listener and policy.</summary>
public static class ListenerSeparation
{
    /// <summary>A staff endpoint: served only on the staff port and requiring <paramref name="policy"/> (a <see cref="Policies"/> name).</summary>
    public static TBuilder StaffEndpoint<TBuilder>(this TBuilder builder, string policy) where TBuilder : IEndpointConventionBuilder
    {
        if (!Policies.RolesAdmitted.ContainsKey(policy)) throw new ArgumentException($"'{policy}' is not a Policies name.", nameof(policy));
        return builder.WithMetadata(new ServedOnListenersMetadata(ServiceListener.Staff)).RequireAuthorization(policy);
    }

    /// <summary>A public endpoint: anonymous, served only on the public port.</summary>
    public static TBuilder PublicEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new ServedOnListenersMetadata(ServiceListener.Public)).AllowAnonymous();

    /// <summary>An anonymous endpoint on both ports (health probes).</summary>
    public static TBuilder AnonymousOnBothListeners<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new ServedOnListenersMetadata(ServiceListener.Staff, ServiceListener.Public)).AllowAnonymous();

    /// <summary>
    /// After UseRouting: answers 404 when the matched endpoint is not served on the listener the
    /// connection came in on (endpoints without metadata count as staff-only; connections without
    /// a listener tag match nothing), so neither port exposes the other's endpoints.
    /// </summary>
    public static IApplicationBuilder UseListenerSeparation(this IApplicationBuilder app)
        => app.Use(async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            if (endpoint != null)
            {
                var served = endpoint.Metadata.GetMetadata<ServedOnListenersMetadata>()?.Listeners ?? [ServiceListener.Staff];
                var listener = context.Features.Get<ServiceListenerFeature>()?.Listener;
                if (listener is not { } l || !served.Contains(l))
                {
                    await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
                        detail: "No such resource on this port.").ExecuteAsync(context);
                    return;
                }
            }
            await next(context);
        });

    /// <summary>
    /// Startup check that every endpoint either allows anonymous access or names a policy from
    /// <see cref="Policies"/>, so the fallback policy is a safety net and not the rule.
    /// </summary>
    public static void EnsureEveryEndpointHasExplicitPolicy(IEnumerable<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var missing = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() == null
                        && !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy != null && Policies.RolesAdmitted.ContainsKey(a.Policy)))
            .Select(e => e.DisplayName ?? "(unnamed)")
            .ToList();
        if (missing.Count > 0)
            throw new Signing.Core.SigningException(
                $"Endpoints without an explicit policy or AllowAnonymous: {string.Join("; ", missing)}.");
    }
}
