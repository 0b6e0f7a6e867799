using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Signing.Service.Api;

/// <summary>
/// What the OpenAPI document says beyond the handlers' types: the problem statuses each endpoint can answer,
/// the Idempotency-Key header, and the idempotency filter of the mutating calls.
/// </summary>
public static class ApiDescription
{
    /// <summary>A staff endpoint's refusals: the given statuses, plus 401 (no or unknown certificate) and 403 (role) that every one can answer.</summary>
    public static RouteHandlerBuilder StaffProblems(this RouteHandlerBuilder builder, params int[] statuses) =>
        Problems(builder, [401, 403, .. statuses]);

    /// <summary>A public endpoint's refusals.</summary>
    public static RouteHandlerBuilder PublicProblems(this RouteHandlerBuilder builder, params int[] statuses) => Problems(builder, statuses);

    /// <summary>
    /// The request body the document names. Not <c>Accepts</c>: routing would enforce that media type itself and answer a
    /// wrong one before the endpoint's own 415 problem (and, without the endpoint's listener, as a 404 on every port).
    /// </summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, string contentType)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new RequestBodyMetadata(typeof(T), contentType));
    }

    /// <summary>
    /// A mutating call that takes an optional Idempotency-Key: a retry gets the stored answer (<see cref="IdempotentResponseFilter"/>),
    /// and the same key with another request is a 409.
    /// </summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new IdempotencyKeyMetadata(Required: false)).AddEndpointFilter<IdempotentResponseFilter>();
        return Problems(builder, [409]);
    }

    /// <summary>A call whose Idempotency-Key is required and kept with the record it makes, in the same transaction.</summary>
    public static RouteHandlerBuilder IdempotentByRecord(this RouteHandlerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new IdempotencyKeyMetadata(Required: true));
        return Problems(builder, [400, 409]);
    }

    private static RouteHandlerBuilder Problems(RouteHandlerBuilder builder, IEnumerable<int> statuses)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var status in statuses.Append(500).Distinct()) builder.ProducesProblem(status);
        return builder;
    }

    /// <summary>The document transformers: the Idempotency-Key header on the operations that take it.</summary>
    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The servers list would name the host and port of whoever asked; clients use their own base address,
        // and the checked-in copy (docs/openapi/v1.json) stays the same from one run to the next.
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers = [];
            return Task.CompletedTask;
        });
        // Enums written by name: the exporter leaves out their type, and generators then read the names as integers.
        options.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema.Type is null && schema.Enum is { Count: > 0 } values && values.All(v => v is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String))
                schema.Type = JsonSchemaType.String;
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyMetadata>().FirstOrDefault() is { } body)
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType> { [body.ContentType] = new() { Schema = await BodySchemaAsync(body, context, ct).ConfigureAwait(false) } },
                };

            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IdempotencyKeyMetadata>().FirstOrDefault() is { } idempotency)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = IdempotencyKey.Header,
                    In = ParameterLocation.Header,
                    Required = idempotency.Required,
                    Description = idempotency.Required
                        ? "Names this request: the same key again returns the record it made; with another body it is a 409 problem."
                        : "Optional. The same key again (same caller, same request) returns the stored answer without repeating the change; with another request it is a 409 problem.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 200 },
                    Example = JsonValue.Create("3f0c2a9e-6b1d-4f57-9a0e-5c3d2b1a7e44"),
                });
            }
        });
    }

    private static async Task<IOpenApiSchema> BodySchemaAsync(RequestBodyMetadata body, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        // A file body is raw bytes, written inline: generators read a referenced binary schema as a JSON object.
        if (body.Type == typeof(Stream)) return new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        if (body.Type == typeof(IFormFile))
            return new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "file" },
                Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
            };
        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct).ConfigureAwait(false);
        if (context.Document is not { } document) return schema;
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(body.Type.Name, schema);
        return new OpenApiSchemaReference(body.Type.Name, document);
    }
}

/// <summary>The request body an endpoint reads by hand, for the OpenAPI document.</summary>
public sealed record RequestBodyMetadata(Type Type, string ContentType);
