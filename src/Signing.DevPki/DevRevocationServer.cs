using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Signing.Revocation;

namespace Signing.DevPki;

/// <summary>The dev revocation web application: CRLs, CA certificates and the OCSP responders (the CLI serves it; test support starts it on a free port).</summary>
public static class DevRevocationServer
{
    private const int MaxOcspRequestBytes = 16 * 1024;

    /// <summary>The revocation web application .</summary>
    public static WebApplication Build(DevOcspResponder responder, DevLayout layout, IDevKeyStore store, string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/crl/{name}", (string name) =>
            CaLabel(name, ".crl") is { } ca && File.Exists(layout.CrlFile(ca))
                ? Results.Bytes(File.ReadAllBytes(layout.CrlFile(ca)), Crl.MediaType)
                : Results.NotFound());
        app.MapGet("/ca/{name}", (string name) =>
            CaLabel(name, ".cer") is { } ca && store.FindCertificate(ca) is { } cert ? Results.Bytes(cert.RawData, "application/pkix-cert") : Results.NotFound());
        app.MapPost("/ocsp/{ca}", async (string ca, HttpRequest request) =>
        {
            if (CaLabel(ca, "") is null) return Results.NotFound();
            if (!string.Equals(request.ContentType, Ocsp.RequestMediaType, StringComparison.OrdinalIgnoreCase)) return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            if (request.ContentLength > MaxOcspRequestBytes) return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body).ConfigureAwait(false);
            if (body.Length > MaxOcspRequestBytes) return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            return Results.Bytes(responder.Answer(ca, body.ToArray()), Ocsp.ResponseMediaType);
        });
        // RFC 6960 Appendix A.1: GET with the base64 DER request in the path.
        app.MapGet("/ocsp/{ca}/{**request}", (string ca, string request) =>
        {
            if (CaLabel(ca, "") is null) return Results.NotFound();
            byte[] der;
            try
            {
                der = Convert.FromBase64String(Uri.UnescapeDataString(request));
            }
            catch (FormatException)
            {
                return Results.BadRequest();
            }

            return der.Length > MaxOcspRequestBytes ? Results.StatusCode(StatusCodes.Status413PayloadTooLarge) : Results.Bytes(responder.Answer(ca, der), Ocsp.ResponseMediaType);
        });
        return app;
    }

    private static string? CaLabel(string name, string extension)
    {
        if (!name.EndsWith(extension, StringComparison.Ordinal)) return null;
        var label = name[..^extension.Length];
        return label is DevPkiBuilder.RootLabel or DevPkiBuilder.IssuingLabel ? label : null;
    }
}
