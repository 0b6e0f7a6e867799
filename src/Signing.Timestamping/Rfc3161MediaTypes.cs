namespace Signing.Timestamping;

/// <summary>The content types of RFC 3161 over HTTP (§3.4), shared by our client and our server.</summary>
public static class Rfc3161MediaTypes
{
    public const string Query = "application/timestamp-query";
    public const string Reply = "application/timestamp-reply";
}
