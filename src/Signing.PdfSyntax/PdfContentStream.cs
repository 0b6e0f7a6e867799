namespace Signing.PdfSyntax;

/// <summary>One content-stream operation: the operator and the operands before it ("10 20 30 40 re").</summary>
public readonly record struct PdfContentOperation(string Operator, IReadOnlyList<PdfObject> Operands);

/// <summary>
/// A page's content stream read as operations, within the reader's limits: the decoded /Contents,
/// at most <see cref="MaxOperations"/> operations, and the file's time budget. Inline images
/// (BI … ID … EI) are skipped whole. Nothing here draws; callers interpret the operators they need.
/// </summary>
public static class PdfContentStream
{
    public const int MaxOperations = 2_000_000;
    private const int MaxOperands = 64; // more than any operator takes; a longer run is not content

    /// <summary>The page's decoded /Contents: one stream or the concatenation of an array's, each separated by a space.</summary>
    public static byte[] PageContents(PdfFile file, PdfDictionary page)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(page);
        var parts = file.Resolve(page["Contents"]) switch
        {
            PdfStream s => [s],
            PdfArray a => a.Items.Select(file.Resolve).OfType<PdfStream>().ToList(),
            _ => new List<PdfStream>(),
        };
        using var all = new MemoryStream();
        foreach (var part in parts)
        {
            var decoded = file.DecodeStream(part);
            if (all.Length + decoded.Length > file.Limits.MaxDecodedStreamBytes)
            {
                throw new PdfFormatException($"A page's content decodes to more than the limit of {file.Limits.MaxDecodedStreamBytes} bytes.");
            }

            all.Write(decoded);
            all.WriteByte((byte)' ');
        }

        return all.ToArray();
    }

    /// <summary>The operations of decoded content, in order.</summary>
    public static IEnumerable<PdfContentOperation> Operations(byte[] content, PdfFile file)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(file);
        var parser = new PdfObjectParser(content, 0, content.Length, file.Limits.MaxNestingDepth);
        var operands = new List<PdfObject>();
        var count = 0;
        while (true)
        {
            parser.SkipWhitespaceAndComments();
            if (parser.Position >= content.Length) yield break;
            if (IsOperatorStart(content[parser.Position]) && parser.PeekToken() is var word && word is not ("true" or "false" or "null"))
            {
                parser.ReadToken();
                if (word.Length == 0) throw new PdfFormatException($"The page content is damaged at byte {parser.Position}.");
                if (++count > MaxOperations) throw new PdfFormatException($"The page content has more than {MaxOperations} operations.");
                if ((count & 0xFFF) == 0) file.CheckTime();
                if (word == "BI")
                {
                    SkipInlineImage(content, parser);
                    operands.Clear();
                    continue;
                }

                yield return new PdfContentOperation(word, operands.ToArray());
                operands.Clear();
                continue;
            }

            operands.Add(parser.ReadObject());
            if (operands.Count > MaxOperands) throw new PdfFormatException($"The page content has more than {MaxOperands} operands before an operator at byte {parser.Position}.");
        }
    }

    // Operators are regular characters that do not begin a number: letters, ' and ".
    private static bool IsOperatorStart(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (byte)'\'' or (byte)'"';

    /// <summary>Moves past "ID", the image data and the "EI" that ends it (preceded by white space, then white space or the end).</summary>
    private static void SkipInlineImage(byte[] content, PdfObjectParser parser)
    {
        var id = IndexOfWord(content, parser.Position, "ID"u8);
        if (id < 0) throw new PdfFormatException("The page content has an inline image with no ID.");
        var ei = IndexOfWord(content, id + 3, "EI"u8);
        if (ei < 0) throw new PdfFormatException("The page content has an inline image with no EI.");
        parser.Position = ei + 2;
    }

    private static int IndexOfWord(byte[] data, int from, ReadOnlySpan<byte> word)
    {
        for (var i = Math.Max(from, 1); i + word.Length <= data.Length; i++)
        {
            if (data[i] != word[0] || !data.AsSpan(i, word.Length).SequenceEqual(word)) continue;
            var before = PdfObjectParser.IsWhitespace(data[i - 1]);
            var after = i + word.Length == data.Length || PdfObjectParser.IsWhitespace(data[i + word.Length]);
            if (before && after) return i;
        }

        return -1;
    }
}
