namespace Signing.DevPki;

/// <summary>Settings of the dev CA hierarchy that callers may want to change.</summary>
public sealed record DevPkiOptions
{
    /// <summary>Port of the default CRL distribution point (the dev service serves /crl/&lt;ca&gt;.crl).</summary>
    public const int DefaultCrlPort = 8480;

    /// <summary>
    /// Base URL written into the certificates' CRL distribution points; the CRL of a CA is at
    /// <c>&lt;base&gt;&lt;ca-label&gt;.crl</c>. Only a URL in the certificate: nothing is served by the builder.
    /// </summary>
    public Uri CrlBaseUrl { get; init; } = new($"http://127.0.0.1:{DefaultCrlPort}/crl/");

    /// <summary>
    /// Base URL of the dev OCSP responders (<c>&lt;base&gt;&lt;ca-label&gt;</c>) and of the CA certificates
    /// (<c>&lt;base-of-crl&gt;../ca/&lt;ca-label&gt;.cer</c>) written into the certificates' AIA; `signing dev serve-revocation` serves all three.
    /// </summary>
    public Uri OcspBaseUrl { get; init; } = new($"http://127.0.0.1:{DefaultCrlPort}/ocsp/");

    /// <summary>Base URL of the CA certificates named by AIA caIssuers (DER, <c>&lt;base&gt;&lt;ca-label&gt;.cer</c>).</summary>
    public Uri CaIssuersBaseUrl { get; init; } = new($"http://127.0.0.1:{DefaultCrlPort}/ca/");

    /// <summary>How long an OCSP response stays current (its nextUpdate); short, so that a revocation shows soon.</summary>
    public TimeSpan OcspValidity { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a freshly written CRL stays current (its nextUpdate).</summary>
    public TimeSpan CrlValidity { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The clock; tests move it.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public Uri CrlUrl(string caLabel) => new(CrlBaseUrl, caLabel + ".crl");

    public Uri OcspUrl(string caLabel) => new(OcspBaseUrl, caLabel);

    public Uri CaIssuersUrl(string caLabel) => new(CaIssuersBaseUrl, caLabel + ".cer");
}
