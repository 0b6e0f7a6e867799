namespace Signing.Cms;

/// <summary>Object identifiers used by the CMS/CAdES code.</summary>
public static class Oids
{
    public const string Data = "1.2.840.113549.1.7.1";
    public const string SignedData = "1.2.840.113549.1.7.2";
    public const string ContentType = "1.2.840.113549.1.9.3";
    public const string MessageDigest = "1.2.840.113549.1.9.4";
    public const string SigningTime = "1.2.840.113549.1.9.5";
    public const string SigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
    public const string SigningCertificate = "1.2.840.113549.1.9.16.2.12";
    public const string SignatureTimeStampToken = "1.2.840.113549.1.9.16.2.14";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
    public const string Sha1 = "1.3.14.3.2.26";
    public const string Md5 = "1.2.840.113549.2.5";
    public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
    public const string Md5WithRsa = "1.2.840.113549.1.1.4";
    public const string EcdsaWithSha1 = "1.2.840.10045.4.1";
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
    public const string RsaPss = "1.2.840.113549.1.1.10";
    public const string Mgf1 = "1.2.840.113549.1.1.8";
    public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    public const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    public const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string TstInfo = "1.2.840.113549.1.9.16.1.4";
    public const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";
}
