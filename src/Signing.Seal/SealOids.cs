namespace Signing.Seal;

/// <summary>Object identifiers of the printed seal.</summary>
public static class SealOids
{
    /// <summary>
    /// The extended key usage of a printed-seal certificate: only a certificate with this key
    /// purpose may sign seals, so the agency's PAdES seal key or a person's key cannot stand in for it.
    /// An OID in the UUID arc (ITU-T X.667, 2.25), which needs no registration and cannot collide.
    /// </summary>
    public const string PrintedSealKeyPurpose = "2.25.188322222564177860874018033224422836726";
}
