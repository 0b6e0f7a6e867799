using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;
using Signing.Core.Keys;

namespace Signing.Pkcs11;

/// <summary>An object on a token, as listed by `signing tokens`.</summary>
public sealed record TokenObject(string Uri, CKO Class, string Label, string IdHex, string? KeyType, int? KeyBits, string? Subject);

/// <summary>
/// Keys and certificates on one token, addressed by PKCS#11 URIs: find a signing key, read a
/// certificate, list objects, and (for setup) generate key pairs that never leave the token and
/// import certificates next to them.
/// </summary>
public sealed class Pkcs11KeyStore(Pkcs11Token token)
{
    private static readonly byte[] OidP256 = Convert.FromHexString("06082A8648CE3D030107");
    private static readonly byte[] OidP384 = Convert.FromHexString("06052B81040022");

    public Pkcs11Token Token { get; } = token ?? throw new ArgumentNullException(nameof(token));

    /// <summary>The private key the URI names (object label and/or id), ready to sign.</summary>
    public Pkcs11SignatureKey GetSignatureKey(Pkcs11Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Object == null && uri.Id == null) throw new SigningException($"The key URI {uri} names no object (add object=<label> or id=<bytes>).");
        return Token.Run(session =>
        {
            var handle = FindSingle(session, Token.Info.Label, uri, CKO.CKO_PRIVATE_KEY);
            var (algorithm, bits, spki) = ReadPublicKey(session, uri, handle);
            var keyUri = Pkcs11Uri.For(token: Token.Info.Label, serial: Token.Info.SerialNumber, obj: uri.Object, type: "private", id: uri.Id);
            return new Pkcs11SignatureKey(Token, keyUri, handle, algorithm, bits, spki);
        });
    }

    /// <summary>The certificate stored with the key the URI names (same label or id), or null.</summary>
    /// <remarks>Certificates are public objects on most tokens: <paramref name="login"/> false reads them before any PIN is asked.</remarks>
    public X509Certificate2? FindCertificate(Pkcs11Uri uri, bool login = true)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return Token.Run(session =>
        {
            var handles = session.FindAllObjects(Template(session, uri, CKO.CKO_CERTIFICATE));
            if (handles.Count == 0) return null;
            var value = session.GetAttributeValue(handles[0], [CKA.CKA_VALUE])[0];
            return value.CannotBeRead ? null : X509CertificateLoader.LoadCertificate(value.GetValueAsByteArray());
        }, login);
    }

    /// <summary>Lists keys and certificates; without <paramref name="login"/> only public objects are visible.</summary>
    public IReadOnlyList<TokenObject> ListObjects(bool login = true)
    {
        return Token.Run(session =>
        {
            var result = new List<TokenObject>();
            foreach (var cls in new[] { CKO.CKO_PRIVATE_KEY, CKO.CKO_PUBLIC_KEY, CKO.CKO_CERTIFICATE })
            {
                foreach (var h in session.FindAllObjects([session.Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, cls)]))
                {
                    var a = session.GetAttributeValue(h, [CKA.CKA_LABEL, CKA.CKA_ID, CKA.CKA_KEY_TYPE, CKA.CKA_MODULUS_BITS, CKA.CKA_EC_PARAMS, CKA.CKA_VALUE, CKA.CKA_MODULUS]);
                    var label = a[0].CannotBeRead ? "" : a[0].GetValueAsString();
                    var id = a[1].CannotBeRead ? [] : a[1].GetValueAsByteArray();
                    string? keyType = null, subject = null;
                    int? bits = null;
                    if (cls != CKO.CKO_CERTIFICATE && !a[2].CannotBeRead)
                    {
                        var kt = (CKK)a[2].GetValueAsUlong();
                        keyType = kt == CKK.CKK_RSA ? "RSA" : kt == CKK.CKK_EC ? "EC" : kt.ToString();
                        // Private keys often lack CKA_MODULUS_BITS; the modulus length says it too.
                        if (!a[3].CannotBeRead) bits = (int)a[3].GetValueAsUlong();
                        else if (!a[6].CannotBeRead) bits = a[6].GetValueAsByteArray().AsSpan().TrimStart((byte)0).Length * 8;
                        if (kt == CKK.CKK_EC && !a[4].CannotBeRead) bits = CurveBits(a[4].GetValueAsByteArray());
                    }

                    if (cls == CKO.CKO_CERTIFICATE && !a[5].CannotBeRead)
                    {
                        using var cert = X509CertificateLoader.LoadCertificate(a[5].GetValueAsByteArray());
                        subject = cert.Subject;
                    }

                    var type = cls switch { CKO.CKO_PRIVATE_KEY => "private", CKO.CKO_PUBLIC_KEY => "public", _ => "cert" };
                    var uri = Pkcs11Uri.For(token: Token.Info.Label, obj: label, type: type, id: id.Length > 0 ? id : null);
                    result.Add(new TokenObject(uri.ToString(), cls, label, Convert.ToHexString(id), keyType, bits, subject));
                }
            }

            return (IReadOnlyList<TokenObject>)result;
        }, login);
    }

    /// <summary>
    /// Generates a key pair on the token: the private key is sensitive, non-extractable and may only
    /// sign. Returns the new key. Fails if a private key with this label already exists.
    /// </summary>
    public Pkcs11SignatureKey GenerateKeyPair(string label, byte[] id, KeyAlgorithm algorithm, int bits)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(id);
        var uri = Pkcs11Uri.For(token: Token.Info.Label, obj: label, type: "private");
        Token.Run(session =>
        {
            if (session.FindAllObjects(Template(session, uri, CKO.CKO_PRIVATE_KEY)).Count > 0) throw new SigningException($"A private key labelled '{label}' already exists on token '{Token.Info.Label}'.");
            var a = session.Factories.ObjectAttributeFactory;
            List<IObjectAttribute> pub =
            [
                a.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, false),
                a.Create(CKA.CKA_VERIFY, true), a.Create(CKA.CKA_LABEL, label), a.Create(CKA.CKA_ID, id),
            ];
            List<IObjectAttribute> priv =
            [
                a.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, true),
                a.Create(CKA.CKA_SENSITIVE, true), a.Create(CKA.CKA_EXTRACTABLE, false), a.Create(CKA.CKA_SIGN, true),
                a.Create(CKA.CKA_DECRYPT, false), a.Create(CKA.CKA_UNWRAP, false), a.Create(CKA.CKA_DERIVE, false),
                a.Create(CKA.CKA_LABEL, label), a.Create(CKA.CKA_ID, id),
            ];
            CKM mechanism;
            if (algorithm == KeyAlgorithm.Rsa)
            {
                mechanism = CKM.CKM_RSA_PKCS_KEY_PAIR_GEN;
                pub.Add(a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA));
                pub.Add(a.Create(CKA.CKA_MODULUS_BITS, (ulong)bits));
                pub.Add(a.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 }));
                priv.Add(a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA));
            }
            else
            {
                mechanism = CKM.CKM_EC_KEY_PAIR_GEN;
                pub.Add(a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_EC));
                pub.Add(a.Create(CKA.CKA_EC_PARAMS, algorithm == KeyAlgorithm.EcdsaP384 ? OidP384 : OidP256));
                priv.Add(a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_EC));
            }

            using var generate = session.Factories.MechanismFactory.Create(mechanism);
            session.GenerateKeyPair(generate, pub, priv, out _, out _);
        });
        return GetSignatureKey(uri);
    }

    /// <summary>Stores a certificate next to its key (same label and id), replacing an older one.</summary>
    public void ImportCertificate(string label, byte[] id, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var uri = Pkcs11Uri.For(token: Token.Info.Label, obj: label, type: "cert");
        Token.Run(session =>
        {
            foreach (var old in session.FindAllObjects(Template(session, uri, CKO.CKO_CERTIFICATE))) session.DestroyObject(old);
            var serial = new AsnWriter(AsnEncodingRules.DER);
            serial.WriteInteger(certificate.SerialNumberBytes.Span); // big-endian two's complement, as in the certificate
            var a = session.Factories.ObjectAttributeFactory;
            session.CreateObject(
            [
                a.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), a.Create(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509),
                a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, false), a.Create(CKA.CKA_LABEL, label), a.Create(CKA.CKA_ID, id),
                a.Create(CKA.CKA_SUBJECT, certificate.SubjectName.RawData), a.Create(CKA.CKA_ISSUER, certificate.IssuerName.RawData),
                a.Create(CKA.CKA_SERIAL_NUMBER, serial.Encode()), a.Create(CKA.CKA_VALUE, certificate.RawData),
            ]);
        });
    }

    internal static List<IObjectAttribute> Template(ISession session, Pkcs11Uri uri, CKO cls)
    {
        var a = session.Factories.ObjectAttributeFactory;
        var t = new List<IObjectAttribute> { a.Create(CKA.CKA_CLASS, cls) };
        if (uri.Object != null) t.Add(a.Create(CKA.CKA_LABEL, uri.Object));
        if (uri.Id != null) t.Add(a.Create(CKA.CKA_ID, uri.Id));
        return t;
    }

    internal static IObjectHandle FindSingle(ISession session, string tokenLabel, Pkcs11Uri uri, CKO cls)
    {
        var found = session.FindAllObjects(Template(session, uri, cls));
        var what = cls == CKO.CKO_PRIVATE_KEY ? "private key" : cls == CKO.CKO_CERTIFICATE ? "certificate" : "object";
        return found.Count switch
        {
            1 => found[0],
            0 => throw new Pkcs11NotFoundException($"No {what} on token '{tokenLabel}' matches {uri}."),
            _ => throw new Pkcs11NotFoundException($"{found.Count} {what}s match {uri}; add id= to the URI to choose one."),
        };
    }

    private static (KeyAlgorithm Algorithm, int Bits, byte[] Spki) ReadPublicKey(ISession session, Pkcs11Uri uri, IObjectHandle privateKey)
    {
        var a = session.GetAttributeValue(privateKey, [CKA.CKA_KEY_TYPE, CKA.CKA_ID, CKA.CKA_LABEL, CKA.CKA_SIGN]);
        if (!a[3].CannotBeRead && !a[3].GetValueAsBool()) throw new SigningException($"The key {uri} is not allowed to sign (CKA_SIGN is false).");
        var keyType = (CKK)a[0].GetValueAsUlong();

        // Public keys are found by CKA_ID first (the PKCS#11 convention), else by label.
        var f = session.Factories.ObjectAttributeFactory;
        var pubTemplate = new List<IObjectAttribute> { f.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY) };
        if (!a[1].CannotBeRead && a[1].GetValueAsByteArray() is { Length: > 0 } keyId) pubTemplate.Add(f.Create(CKA.CKA_ID, keyId));
        else if (!a[2].CannotBeRead) pubTemplate.Add(f.Create(CKA.CKA_LABEL, a[2].GetValueAsString()));
        var pubs = session.FindAllObjects(pubTemplate);

        if (keyType == CKK.CKK_RSA)
        {
            var source = pubs.Count > 0 ? pubs[0] : privateKey; // most tokens expose modulus on the private key too
            var v = session.GetAttributeValue(source, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
            if (v[0].CannotBeRead || v[1].CannotBeRead) throw new SigningException($"The public key of {uri} cannot be read from the token.");
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = v[0].GetValueAsByteArray().AsSpan().TrimStart((byte)0).ToArray(), Exponent = v[1].GetValueAsByteArray() });
            return (KeyAlgorithm.Rsa, rsa.KeySize, rsa.ExportSubjectPublicKeyInfo());
        }

        if (keyType == CKK.CKK_EC)
        {
            if (pubs.Count == 0) throw new SigningException($"The EC public key of {uri} is not on the token (no public key object with the same id).");
            var v = session.GetAttributeValue(pubs[0], [CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT]);
            if (v[0].CannotBeRead || v[1].CannotBeRead) throw new SigningException($"The EC public key of {uri} cannot be read from the token.");
            var oid = v[0].GetValueAsByteArray();
            var (curve, algorithm, bits) = oid.AsSpan().SequenceEqual(OidP256) ? (ECCurve.NamedCurves.nistP256, KeyAlgorithm.EcdsaP256, 256)
                : oid.AsSpan().SequenceEqual(OidP384) ? (ECCurve.NamedCurves.nistP384, KeyAlgorithm.EcdsaP384, 384)
                : throw new SigningException($"The key {uri} is on a curve we do not sign with (P-256 and P-384 are supported).");
            var point = UnwrapEcPoint(v[1].GetValueAsByteArray(), bits);
            var size = (bits + 7) / 8;
            using var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = point[1..(1 + size)], Y = point[(1 + size)..] } });
            return (algorithm, bits, ec.ExportSubjectPublicKeyInfo());
        }

        throw new SigningException($"The key {uri} has a type ({keyType}) we do not sign with.");
    }

    /// <summary>CKA_EC_POINT is a DER OCTET STRING around the uncompressed point (SoftHSM2, most tokens), or the bare point.</summary>
    internal static byte[] UnwrapEcPoint(byte[] value, int bits)
    {
        var size = (bits + 7) / 8;
        if (value.Length == 1 + (2 * size) && value[0] == 0x04) return value;
        var inner = new AsnReader(value, AsnEncodingRules.DER).ReadOctetString();
        if (inner.Length == 1 + (2 * size) && inner[0] == 0x04) return inner;
        throw new SigningException("The token returned an EC point that is not an uncompressed point.");
    }

    private static int? CurveBits(byte[] oid) =>
        oid.AsSpan().SequenceEqual(OidP256) ? 256 : oid.AsSpan().SequenceEqual(OidP384) ? 384 : null;
}
