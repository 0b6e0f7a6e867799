using Signing.PdfSyntax;
using Signing.Revocation;

namespace Signing.Validation.Steps;

/// <summary>
/// The validation data a PDF carries in its document security store (ISO 32000-2 12.8.4.3): the
/// catalog's /DSS /Certs, /OCSPs and /CRLs streams, decoded within the reader's limits. A damaged or
/// oversized entry is left out (the revocation step then says what is missing), never a crash.
/// </summary>
internal sealed record DssValidationData(IReadOnlyList<byte[]> Certificates, EmbeddedRevocationData Revocation)
{
    private const int MaxEntries = 2048;

    public static DssValidationData Empty { get; } = new([], EmbeddedRevocationData.Empty);

    public static DssValidationData Read(PdfFile file)
    {
        PdfDictionary? dss;
        try
        {
            dss = file.ResolveDictionary(file.ResolveDictionary(file.Trailer["Root"])?["DSS"]);
        }
        catch (PdfFormatException)
        {
            return Empty;
        }

        if (dss is null) return Empty;
        return new DssValidationData(Streams(file, dss, "Certs"), new EmbeddedRevocationData(Streams(file, dss, "OCSPs"), Streams(file, dss, "CRLs")));
    }

    private static List<byte[]> Streams(PdfFile file, PdfDictionary dss, string key)
    {
        var list = new List<byte[]>();
        PdfArray? array;
        try
        {
            array = file.Resolve(dss[key]) as PdfArray;
        }
        catch (PdfFormatException)
        {
            return list;
        }

        foreach (var item in (array?.Items ?? []).Take(MaxEntries))
        {
            try
            {
                if (file.Resolve(item) is PdfStream stream) list.Add(file.DecodeStream(stream));
            }
            catch (PdfFormatException)
            {
                // A damaged entry counts as absent.
            }
        }

        return list;
    }
}
