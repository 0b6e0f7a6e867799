using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Revocation;

namespace Signing.Validation.Policy;

/// <summary>What the verifier does about revocation for the chains under one trust anchor.</summary>
public enum RevocationMode
{
    /// <summary>Embedded data, then the certificate's own OCSP/CRL URLs; no usable answer makes the signature INDETERMINATE (TRY_LATER).</summary>
    HardFail,

    /// <summary>Like <see cref="HardFail"/>, but no usable answer is only a note: a revoked certificate still fails.</summary>
    SoftFail,

    /// <summary>Only what the file carries (its /DSS); nothing is fetched; no usable answer is INDETERMINATE (TRY_LATER).</summary>
    Offline,

    /// <summary>Revocation is not checked (the report says so).</summary>
    NoCheck,
}

/// <summary>
/// The revocation part of the validation policy: a mode per trust anchor (by the anchor
/// certificate's SHA-256), a default for the others, and where online data comes from.
/// </summary>
public sealed record RevocationPolicy
{
    private static readonly Lazy<OnlineRevocationSource> SharedOnline = new(() => new OnlineRevocationSource());

    public RevocationMode Mode { get; init; } = RevocationMode.SoftFail;

    /// <summary>Modes for particular anchors, keyed by the anchor certificate's SHA-256 (hex, any case).</summary>
    public IReadOnlyDictionary<string, RevocationMode> PerAnchor { get; init; } = new Dictionary<string, RevocationMode>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where online answers come from; default: one process-wide <see cref="OnlineRevocationSource"/> (its cache is shared).</summary>
    public IRevocationSource? Online { get; init; }

    /// <summary>The data the file carries (its /DSS); the verifier sets it per file.</summary>
    public EmbeddedRevocationData Embedded { get; init; } = EmbeddedRevocationData.Empty;

    /// <summary>When set, every anchor is <see cref="RevocationMode.Offline"/> unless its mode is <see cref="RevocationMode.NoCheck"/> (`signing verify --offline`).</summary>
    public bool ForceOffline { get; init; }

    public static RevocationPolicy Default { get; } = new();

    public IRevocationSource OnlineSource => Online ?? SharedOnline.Value;

    public RevocationMode ModeFor(X509Certificate2 anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        var mode = PerAnchor.TryGetValue(Convert.ToHexString(SHA256.HashData(anchor.RawDataMemory.Span)), out var m) ? m : Mode;
        return ForceOffline && mode != RevocationMode.NoCheck ? RevocationMode.Offline : mode;
    }
}
