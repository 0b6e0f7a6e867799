using System.Formats.Cbor;
using Signing.Core;

namespace Signing.Seal;

/// <summary>
/// The seal's CBOR payload (docs/printed-seal.md): a map with small integer keys, written and read
/// in canonical CBOR (RFC 8949 §4.2), so one seal has exactly one encoding. Reading is strict:
/// every key 1..12 present once, nothing else, strings and lists within fixed limits.
/// </summary>
public static class SealPayload
{
    public const int MaxTextBytes = 512;
    public const int MaxKeyFields = 16;
    private const int EntryCount = 12;

    // RFC 8943: tag 100 is a date as the number of days since 1970-01-01 (three bytes for today's dates).
    private const CborTag DaysSinceEpochTag = (CborTag)100;
    private static readonly DateOnly Epoch = new(1970, 1, 1);

    private enum Key
    {
        Version = 1,
        AgencyId = 2,
        AgencyName = 3,
        Template = 4,
        Number = 5,
        Symbol = 6,
        IssuedOn = 7,
        DossierCode = 8,
        VerificationCode = 9,
        KeyFields = 10,
        CheckOnlineAfter = 11,
        SealedOn = 12,
    }

    public static byte[] Encode(PrintedSeal seal)
    {
        ArgumentNullException.ThrowIfNull(seal);
        if (seal.KeyFields.Count > MaxKeyFields) throw new SigningException($"a seal holds at most {MaxKeyFields} key fields, the template names {seal.KeyFields.Count}");
        var w = new CborWriter(CborConformanceMode.Canonical);
        w.WriteStartMap(EntryCount);
        w.WriteInt32((int)Key.Version);
        w.WriteInt32(PrintedSeal.CurrentVersion);
        Text(w, Key.AgencyId, seal.AgencyId);
        Text(w, Key.AgencyName, seal.AgencyName);
        Text(w, Key.Template, seal.Template);
        Text(w, Key.Number, seal.Number);
        Text(w, Key.Symbol, seal.Symbol);
        Date(w, Key.IssuedOn, seal.IssuedOn);
        Text(w, Key.DossierCode, seal.DossierCode);
        // Stored without the hyphens that only help people read it.
        Text(w, Key.VerificationCode, seal.VerificationCode.Replace("-", "", StringComparison.Ordinal));
        w.WriteInt32((int)Key.KeyFields);
        w.WriteStartArray(seal.KeyFields.Count);
        foreach (var f in seal.KeyFields)
        {
            w.WriteStartArray(3);
            Checked(w, f.Label, "key field label");
            if (f.LabelEn is null) w.WriteNull();
            else Checked(w, f.LabelEn, "key field English label");
            Checked(w, f.Value, $"key field \"{f.Label}\"");
            w.WriteEndArray();
        }

        w.WriteEndArray();
        Date(w, Key.CheckOnlineAfter, seal.CheckOnlineAfter);
        Date(w, Key.SealedOn, seal.SealedOn);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Reads a payload; anything but exactly the documented shape throws <see cref="SealFormatException"/>.</summary>
    public static PrintedSeal Decode(ReadOnlyMemory<byte> cbor)
    {
        try
        {
            var r = new CborReader(cbor, CborConformanceMode.Canonical);
            var count = r.ReadStartMap();
            if (count != EntryCount) throw new SealFormatException($"the seal payload has {count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an indefinite number of"} entries, not {EntryCount}");
            Expect(r, Key.Version);
            var version = r.ReadInt32();
            if (version != PrintedSeal.CurrentVersion) throw new SealFormatException($"seal payload version {version} is not known");
            var agencyId = ReadText(r, Key.AgencyId);
            var agencyName = ReadText(r, Key.AgencyName);
            var template = ReadText(r, Key.Template);
            var number = ReadText(r, Key.Number);
            var symbol = ReadText(r, Key.Symbol);
            var issuedOn = ReadDate(r, Key.IssuedOn);
            var dossier = ReadText(r, Key.DossierCode);
            var code = ReadText(r, Key.VerificationCode);
            if (code.Length != 11) throw new SealFormatException("the seal's verification code is not 11 characters");
            Expect(r, Key.KeyFields);
            var n = r.ReadStartArray();
            if (n is null or > MaxKeyFields) throw new SealFormatException($"the seal's key fields are not a list of at most {MaxKeyFields}");
            var fields = new List<SealKeyField>(n.Value);
            for (var i = 0; i < n; i++)
            {
                if (r.ReadStartArray() != 3) throw new SealFormatException("a key field is not [label, English label, value]");
                var label = Limited(r.ReadTextString());
                string? en = null;
                if (r.PeekState() == CborReaderState.Null) r.ReadNull();
                else en = Limited(r.ReadTextString());
                var value = Limited(r.ReadTextString());
                r.ReadEndArray();
                fields.Add(new SealKeyField(label, en, value));
            }

            r.ReadEndArray();
            var checkAfter = ReadDate(r, Key.CheckOnlineAfter);
            var sealedOn = ReadDate(r, Key.SealedOn);
            r.ReadEndMap();
            if (r.BytesRemaining != 0) throw new SealFormatException("bytes follow the seal payload");
            return new PrintedSeal
            {
                AgencyId = agencyId,
                AgencyName = agencyName,
                Template = template,
                Number = number,
                Symbol = symbol,
                IssuedOn = issuedOn,
                DossierCode = dossier,
                VerificationCode = $"{code[..4]}-{code[4..8]}-{code[8..]}",
                KeyFields = fields,
                CheckOnlineAfter = checkAfter,
                SealedOn = sealedOn,
            };
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException or FormatException)
        {
            throw new SealFormatException($"the seal payload is not valid canonical CBOR of the seal format ({ex.Message})", ex);
        }
    }

    private static void Text(CborWriter w, Key key, string value)
    {
        w.WriteInt32((int)key);
        Checked(w, value, key.ToString());
    }

    private static void Checked(CborWriter w, string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxTextBytes) throw new SigningException($"the seal's {what} is longer than {MaxTextBytes} bytes");
        w.WriteTextString(value);
    }

    private static void Date(CborWriter w, Key key, DateOnly date)
    {
        w.WriteInt32((int)key);
        w.WriteTag(DaysSinceEpochTag);
        w.WriteInt32(date.DayNumber - Epoch.DayNumber);
    }

    private static void Expect(CborReader r, Key key)
    {
        var k = r.ReadInt32();
        if (k != (int)key) throw new SealFormatException($"the seal payload has key {k} where {(int)key} ({key}) belongs");
    }

    private static string ReadText(CborReader r, Key key)
    {
        Expect(r, key);
        return Limited(r.ReadTextString());
    }

    private static DateOnly ReadDate(CborReader r, Key key)
    {
        Expect(r, key);
        if (r.ReadTag() != DaysSinceEpochTag) throw new SealFormatException($"the seal's {key} is not a tag-100 date");
        var days = r.ReadInt32();
        if (days is < 0 or > 100_000) throw new SealFormatException($"the seal's {key} is out of range");
        return DateOnly.FromDayNumber(Epoch.DayNumber + days);
    }

    private static string Limited(string s) =>
        System.Text.Encoding.UTF8.GetByteCount(s) > MaxTextBytes ? throw new SealFormatException($"a seal text is longer than {MaxTextBytes} bytes") : s;
}

/// <summary>The seal text or payload is not in the documented format (damaged or forged).</summary>
public sealed class SealFormatException : SigningException
{
    public SealFormatException(string message) : base(message)
    {
    }

    public SealFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
