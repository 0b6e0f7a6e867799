namespace Signing.PdfSyntax;

/// <summary>
/// The revisions of a file in byte order, each ending at a "startxref n %%EOF" whose n is a
/// section of the file's cross-reference chain (a linearized file's two sections are one revision),
/// and the file as it was at the end of each one. Also collects what is wrong with the revision
/// structure itself: bytes after the last %%EOF, a revision the chain skips.
/// </summary>
public sealed class RevisionHistory
{
    private readonly PdfFile _file;
    private readonly PdfFile?[] _states;
    private readonly string?[] _stateProblems;

    private RevisionHistory(PdfFile file, List<long> ends, List<RevisionAnomaly> structural)
    {
        _file = file;
        Ends = ends;
        Anomalies = structural;
        _states = new PdfFile?[ends.Count];
        _stateProblems = new string?[ends.Count];
    }

    /// <summary>Byte position just past each revision's %%EOF (and its end-of-line), ascending.</summary>
    public IReadOnlyList<long> Ends { get; }

    public int Count => Ends.Count;

    /// <summary>What is wrong with the file's revision structure, each attached to the revision it appears in (Count + 1: after the last).</summary>
    public IReadOnlyList<RevisionAnomaly> Anomalies { get; }

    public static RevisionHistory Read(PdfFile file)
    {
        var data = file.Data;
        var chain = file.Sections.Select(s => s.Offset).ToHashSet();
        var ends = new List<long>();
        var outsideChain = new List<long>();
        var marker = "startxref"u8;
        for (var at = data.AsSpan().IndexOf(marker); at >= 0;)
        {
            file.CheckTime();
            var (value, end, hasEof) = ReadMarker(data, at + marker.Length);
            if (value is { } v && chain.Contains(v))
            {
                ends.Add(end);
            }
            else if (value is > 0)
            {
                // Still a revision as it was written (its signatures must be reported), but one the chain skips.
                outsideChain.Add(at);
                if (hasEof) ends.Add(end);
            }
            var next = data.AsSpan(at + marker.Length).IndexOf(marker);
            at = next < 0 ? -1 : at + marker.Length + next;
        }

        // The file's own startxref is the last one; anything after it ends no revision.
        if (ends.Count == 0) ends.Add(data.LongLength);
        var structural = new List<RevisionAnomaly>();
        var last = ends[^1];
        if (data.AsSpan((int)last).IndexOfAnyExcept(WhitespaceBytes) >= 0)
        {
            structural.Add(new RevisionAnomaly(ends.Count + 1, RevisionAnomalyKind.TrailingData, $"{data.LongLength - last} byte(s) follow the last %%EOF"));
        }

        foreach (var position in outsideChain)
        {
            var revision = ends.FindIndex(e => e > position) + 1;
            if (revision > 0 && revision < ends.Count) revision++; // the revision after the one it ends is the one that skips it
            if (revision <= 0) revision = ends.Count + 1;
            structural.Add(new RevisionAnomaly(revision, RevisionAnomalyKind.RevisionOutsideChain, $"a startxref at byte {position} names a cross-reference section that the file's /Prev chain skips"));
        }

        return new RevisionHistory(file, ends, structural);
    }

    private static ReadOnlySpan<byte> WhitespaceBytes => " \t\r\n\f\0"u8;

    /// <summary>Reads "n %%EOF" after "startxref": the offset and the position past %%EOF and one end-of-line.</summary>
    private static (long? Value, long End, bool HasEof) ReadMarker(byte[] data, int position)
    {
        var p = position;
        while (p < data.Length && PdfObjectParser.IsWhitespace(data[p])) p++;
        var start = p;
        long value = 0;
        while (p < data.Length && data[p] is >= (byte)'0' and <= (byte)'9' && p - start < 18) value = (value * 10) + (data[p++] - '0');
        if (p == start) return (null, p, false);
        var afterNumber = p;
        while (p < data.Length && PdfObjectParser.IsWhitespace(data[p])) p++;
        if (!data.AsSpan(p).StartsWith("%%EOF"u8)) return (value, afterNumber, false);
        p += 5;
        if (p < data.Length && data[p] == '\r') p++;
        if (p < data.Length && data[p] == '\n') p++;
        return (value, p, true);
    }

    /// <summary>1-based revision that ends at <paramref name="end"/> (allowing only whitespace in between), or null.</summary>
    public int? RevisionEndingAt(long end)
    {
        for (var i = 0; i < Ends.Count; i++)
        {
            var revisionEnd = Ends[i];
            var previous = i == 0 ? 0 : Ends[i - 1];
            if (end == revisionEnd) return i + 1;
            if (end > previous && end < revisionEnd && _file.Data.AsSpan((int)end, (int)(revisionEnd - end)).IndexOfAnyExcept(WhitespaceBytes) < 0) return i + 1;
        }

        return null;
    }

    /// <summary>1-based revision whose bytes contain position <paramref name="end"/> - 1.</summary>
    public int RevisionContaining(long end)
    {
        for (var i = 0; i < Ends.Count; i++)
        {
            if (end <= Ends[i]) return i + 1;
        }

        return Ends.Count;
    }

    /// <summary>The file as it was at the end of revision <paramref name="revision"/> (1-based); null with <paramref name="problem"/> when it cannot be read on its own.</summary>
    public PdfFile? State(int revision, out string? problem)
    {
        var i = revision - 1;
        if (_states[i] is null && _stateProblems[i] is null)
        {
            try
            {
                _states[i] = _file.ParsePrefix(Ends[i]);
            }
            catch (PdfFormatException e)
            {
                _stateProblems[i] = e.Message;
            }
        }

        problem = _stateProblems[i];
        return _states[i];
    }
}

public enum RevisionAnomalyKind
{
    /// <summary>Bytes other than whitespace follow the last %%EOF.</summary>
    TrailingData,

    /// <summary>A startxref names a cross-reference section that the /Prev chain skips.</summary>
    RevisionOutsideChain,
}

/// <summary>Something wrong with the revision structure, found in revision <see cref="Revision"/>.</summary>
public sealed record RevisionAnomaly(int Revision, RevisionAnomalyKind Kind, string Detail);
