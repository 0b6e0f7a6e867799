using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Signing.Cms;
using Signing.Core;
using Signing.Core.Keys;

namespace Signing.Timestamping;

/// <summary>Settings of the built-in TSA.</summary>
public sealed record TimestampAuthorityOptions
{
    /// <summary>
    /// The dev TSA policy: an OID under the UUID arc 2.25 (ITU-T X.667), unique without
    /// registration and never to be mistaken for a real, audited TSA policy. Production
    /// deployments configure their own.
    /// </summary>
    public const string DevPolicyOid = "2.25.247751563379644090825077711223137925445.1.1";

    public Oid Policy { get; init; } = new(DevPolicyOid);

    /// <summary>Accuracy of genTime stated in every token (RFC 3161 accuracy).</summary>
    public TimeSpan Accuracy { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;
}

/// <summary>
/// An RFC 3161 time-stamping authority without transport: DER TimeStampReq in, DER TimeStampResp
/// out. Tokens are CMS SignedData over TSTInfo, signed with SHA-256 by the TSA's
/// <see cref="ISignatureKey"/> (on the token in dev and production), with the signed attributes
/// content-type, message-digest and signing-certificate-v2 (ESSCertIDv2 with issuerSerial).
/// Accepted imprints: SHA-256, SHA-384, SHA-512 (SHA-1 and MD5 get badAlg). Thread-safe.
/// </summary>
public sealed class TimestampAuthority
{

    private static readonly Dictionary<string, int> AcceptedImprints = new(StringComparer.Ordinal)
    {
        ["2.16.840.1.101.3.4.2.1"] = 32, // SHA-256
        ["2.16.840.1.101.3.4.2.2"] = 48, // SHA-384
        ["2.16.840.1.101.3.4.2.3"] = 64, // SHA-512
    };

    private readonly ISignatureKey _key;
    private readonly X509Certificate2 _certificate;
    private readonly ISerialNumberSource _serials;
    private readonly TimestampAuthorityOptions _options;
    private readonly byte[] _tsaName;
    private readonly CadesSignedData _writer;

    /// <param name="key">The TSA's private key.</param>
    /// <param name="certificate">The TSA certificate: must hold <paramref name="key"/>'s public key and the critical timeStamping EKU.</param>
    /// <param name="intermediates">CA certificates sent along with the TSA certificate when a query asks for it (not the root).</param>
    /// <param name="serials">Where serial numbers come from; use a <see cref="FileSerialNumberSource"/> outside tests.</param>
    public TimestampAuthority(ISignatureKey key, X509Certificate2 certificate, IEnumerable<X509Certificate2> intermediates, ISerialNumberSource serials, TimestampAuthorityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(intermediates);
        ArgumentNullException.ThrowIfNull(serials);
        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new SigningException("The TSA certificate does not belong to the TSA key.");
        }

        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault();
        if (eku is not { Critical: true } || eku.EnhancedKeyUsages.Count != 1 || eku.EnhancedKeyUsages[0].Value != Oids.TimeStampingEku)
        {
            throw new SigningException("The TSA certificate must have exactly one extended key usage, timeStamping, marked critical (RFC 3161 §2.3).");
        }

        _key = key;
        _certificate = certificate;
        _serials = serials;
        _options = options ?? new TimestampAuthorityOptions();
        // Everything of a token that does not change between tokens is encoded once.
        _tsaName = EncodeTsaName(certificate.SubjectName);
        _writer = new CadesSignedData(certificate, [certificate, .. intermediates], key.Algorithm == KeyAlgorithm.Rsa ? SignatureScheme.RsaPkcs1 : SignatureScheme.Ecdsa);
    }

    public X509Certificate2 Certificate => _certificate;

    public Oid Policy => _options.Policy;

    /// <summary>
    /// Answers one DER TimeStampReq with a DER TimeStampResp: granted with a token, or rejection
    /// with the failure info (badRequest, badAlg, badDataFormat, unacceptedPolicy,
    /// unacceptedExtension, systemFailure) and a one-line reason. Never throws for bad input.
    /// </summary>
    public byte[] Respond(ReadOnlySpan<byte> timeStampQuery)
    {
        Rfc3161TimestampRequest request;
        try
        {
            if (!Rfc3161TimestampRequest.TryDecode(timeStampQuery.ToArray(), out request!, out var consumed) || consumed != timeStampQuery.Length)
            {
                return Rejection(PkiFailureInfo.BadRequest, "The query is not one DER TimeStampReq.");
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return Rejection(PkiFailureInfo.BadRequest, "The query is not one DER TimeStampReq.");
        }

        if (request.Version != 1) return Rejection(PkiFailureInfo.BadRequest, $"Unsupported TimeStampReq version {request.Version}.");
        var hashOid = request.HashAlgorithmId.Value ?? string.Empty;
        if (!AcceptedImprints.TryGetValue(hashOid, out var hashLength))
        {
            return Rejection(PkiFailureInfo.BadAlg, $"Unsupported message-imprint hash algorithm {hashOid}; use SHA-256, SHA-384 or SHA-512.");
        }

        if (request.GetMessageHash().Length != hashLength)
        {
            return Rejection(PkiFailureInfo.BadDataFormat, $"The message imprint is {request.GetMessageHash().Length} bytes; its algorithm makes {hashLength}.");
        }

        if (request.RequestedPolicyId is { } asked && asked.Value != _options.Policy.Value)
        {
            return Rejection(PkiFailureInfo.UnacceptedPolicy, $"Policy {asked.Value} is not offered; this TSA uses {_options.Policy.Value}.");
        }

        if (request.HasExtensions) return Rejection(PkiFailureInfo.UnacceptedExtension, "This TSA accepts no request extensions.");

        try
        {
            return Granted(Sign(request));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The client gets the RFC 3161 answer; the operator gets the cause.
            _options.Logger.LogError(e, "The TSA could not issue a timestamp token");
            return Rejection(PkiFailureInfo.SystemFailure, "The TSA could not issue a token; try again later.");
        }
    }

    // The token is written directly as DER through CadesSignedData, and the key signs the hash of
    // the DER signed attributes once; SignedCms would re-encode and re-parse the whole structure
    // and import the key per token.
    private byte[] Sign(Rfc3161TimestampRequest request)
    {
        var serial = _serials.Next();
        var now = _options.Clock.GetUtcNow();
        var genTime = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var tstInfo = EncodeTstInfo(request, serial, genTime);

        var signedAttributes = CadesSignedData.EncodeSignedAttributes(Oids.TstInfo, SHA256.HashData(tstInfo), _certificate);
        var signature = _key.SignHash(SHA256.HashData(signedAttributes), HashAlgorithmName.SHA256, RsaPaddingMode.Pkcs1);
        if (_key.Algorithm != KeyAlgorithm.Rsa) signature = CadesSignedData.EcdsaP1363ToDer(signature);

        // RFC 3161 §2.4.1: certReq true => the TSA certificate MUST be in the token (with its CAs, for validation).
        return _writer.EncodeSignedData(Oids.TstInfo, tstInfo, signedAttributes, signature, includeCertificates: request.RequestSignerCertificate);
    }

    // TSTInfo ::= SEQUENCE { version 1, policy, messageImprint, serialNumber, genTime, accuracy,
    //   (ordering FALSE: the DEFAULT, left out), nonce, tsa [0] } — RFC 3161 §2.4.2.
    private byte[] EncodeTstInfo(Rfc3161TimestampRequest request, BigInteger serial, DateTimeOffset genTime)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(1);
            w.WriteObjectIdentifier(_options.Policy.Value!);
            using (w.PushSequence()) // MessageImprint
            {
                using (w.PushSequence()) w.WriteObjectIdentifier(request.HashAlgorithmId.Value!);
                w.WriteOctetString(request.GetMessageHash().Span);
            }

            w.WriteInteger(serial);
            w.WriteGeneralizedTime(genTime);
            WriteAccuracy(w, (long)_options.Accuracy.TotalMicroseconds);
            if (request.GetNonce() is { } nonce) w.WriteInteger(nonce.Span);
            w.WriteEncodedValue(_tsaName);
        }

        return w.Encode();
    }

    // Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL }; zero parts are left out.
    private static void WriteAccuracy(AsnWriter w, long microseconds)
    {
        if (microseconds <= 0) return;
        using (w.PushSequence())
        {
            if (microseconds / 1_000_000 is var seconds and > 0) w.WriteInteger(seconds);
            if (microseconds / 1000 % 1000 is var millis and > 0) w.WriteInteger(millis, new Asn1Tag(TagClass.ContextSpecific, 0));
            if (microseconds % 1000 is var micros and > 0) w.WriteInteger(micros, new Asn1Tag(TagClass.ContextSpecific, 1));
        }
    }

    // tsa [0] GeneralName, the directoryName [4] choice: both tags explicit because GeneralName and Name are CHOICEs.
    private static byte[] EncodeTsaName(X500DistinguishedName name)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        {
            w.WriteEncodedValue(EncodeDirectoryName(name));
        }

        return w.Encode();
    }

    // GeneralName.directoryName is [4] EXPLICIT Name.
    private static byte[] EncodeDirectoryName(X500DistinguishedName name)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
        {
            w.WriteEncodedValue(name.RawData);
        }

        return w.Encode();
    }

    private static byte[] Granted(byte[] token)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence()) w.WriteInteger((int)PkiStatus.Granted);
            w.WriteEncodedValue(token);
        }

        return w.Encode();
    }

    private static byte[] Rejection(PkiFailureInfo failure, string reason)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        {
            w.WriteInteger((int)PkiStatus.Rejection);
            using (w.PushSequence()) w.WriteCharacterString(UniversalTagNumber.UTF8String, reason);
            w.WriteNamedBitList(failure);
        }

        return w.Encode();
    }
}

/// <summary>PKIStatus of RFC 3161 §2.4.2.</summary>
public enum PkiStatus
{
    Granted = 0,
    GrantedWithMods = 1,
    Rejection = 2,
    Waiting = 3,
    RevocationWarning = 4,
    RevocationNotification = 5,
}

/// <summary>PKIFailureInfo of RFC 3161 §2.4.2; flag 1 &lt;&lt; n is named bit n.</summary>
[Flags]
#pragma warning disable CA1711 // the RFC's name
public enum PkiFailureInfo
#pragma warning restore CA1711
{
    None = 0,
    BadAlg = 1 << 0,
    BadRequest = 1 << 2,
    BadDataFormat = 1 << 5,
    TimeNotAvailable = 1 << 14,
    UnacceptedPolicy = 1 << 15,
    UnacceptedExtension = 1 << 16,
    AddInfoNotAvailable = 1 << 17,
    SystemFailure = 1 << 25,
}
