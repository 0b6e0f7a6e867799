using Signing.Pades;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Signing.Core;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using Xunit.Abstractions;

namespace Signing.Validation.Tests;

/// <summary>
/// A few thousand deterministic mutants of our own signed results through the verifier: each must
/// give a report or a SigningException (never another exception), and none hangs.
/// </summary>
public sealed class VerifierMutationTests(ITestOutputHelper output)
{
    private const int Seed = 20261201;
    // A hang, not a speed figure (bench/ has those): a busy machine must not fail it.
    private static readonly TimeSpan PerFile = TimeSpan.FromSeconds(30);

    [Fact]
    public void Mutants_of_our_signed_results_give_a_report_or_a_one_line_error_within_a_second()
    {
        var pki = TestPki.Shared;
        var policy = new VerificationPolicy { TrustAnchors = pki.TrustAnchors };
        var classic = SignedResults.HeadThenSeal;
        var xrefStream = SignedResults.MakeHeadThenSeal(TestPdfs.XrefStream).Sealed;
        var random = new Random(Seed);
        var bomb = IncrementalUpdateWriter.Deflate(new byte[8 * 1024 * 1024]);

        var signedRanges = new Dictionary<byte[], List<(long GapFrom, long GapTo, long End)>>
        {
            [classic] = SignedRanges(classic, policy),
            [xrefStream] = SignedRanges(xrefStream, policy),
        };
        var failures = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var slowest = (Name: "", Time: TimeSpan.Zero);
        var total = Stopwatch.StartNew();
        foreach (var (name, source, mutant) in Mutants(classic, xrefStream, random, bomb))
        {
            var kind = name.Split(' ')[0];
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                outcome = PdfSignatureVerifier.Verify(mutant, policy).Indication.ToString();
            }
            catch (SigningException e)
            {
                outcome = "refused";
                if (e.Message.Contains('\n', StringComparison.Ordinal)) failures.Add($"{name}: multi-line message");
            }
            catch (Exception e)
            {
                outcome = "crash";
                failures.Add($"{name}: {e.GetType().Name}: {e.Message} {e.StackTrace?.Split('\n').FirstOrDefault()}");
            }

            clock.Stop();
            if (outcome == nameof(Indication.TOTAL_PASSED) && !OnlyUnsignedBytesDiffer(source, mutant, signedRanges[source])) failures.Add($"{name}: passed although signed bytes changed: {Differences(source, mutant)}; ranges {string.Join(" ", signedRanges[source])}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (clock.Elapsed > slowest.Time) slowest = (name, clock.Elapsed);
            if (clock.Elapsed > PerFile) failures.Add($"{name}: took {clock.ElapsedMilliseconds} ms");
        }

        output.WriteLine($"{counts.Values.Sum()} mutants in {total.ElapsedMilliseconds} ms; slowest {slowest.Time.TotalMilliseconds:0} ms ({slowest.Name})");
        output.WriteLine(string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        output.WriteLine(string.Join(", ", outcomes.Select(c => $"{c.Key} {c.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
        Assert.True(counts.Values.Sum() >= 3000);
    }

    private static string Differences(byte[] source, byte[] mutant) => source.Length != mutant.Length ? $"length {source.Length} → {mutant.Length}"
        : string.Join(", ", Enumerable.Range(0, source.Length).Where(i => source[i] != mutant[i]).Select(i => $"@{i} '{(char)source[i]}'→'{(char)mutant[i]}' near \"{System.Text.Encoding.Latin1.GetString(source, Math.Max(0, i - 30), Math.Min(60, source.Length - Math.Max(0, i - 30))).ReplaceLineEndings("⏎")}\""));

    /// <summary>Each signature's ByteRange as (gap start, gap end, end of the signed bytes).</summary>
    private static List<(long GapFrom, long GapTo, long End)> SignedRanges(byte[] pdf, VerificationPolicy policy) =>
        PdfSignatureVerifier.Verify(pdf, policy).Signatures.Select(s => (s.ByteRange.Values[1], s.ByteRange.Values[2], s.ByteRange.Values[2] + s.ByteRange.Values[3])).ToList();

    /// <summary>
    /// No differing byte is signed by any signature (a change inside a /Contents gap, e.g. a CMS's
    /// unsigned certificate bag), or the mutant is the file cut exactly at an earlier signature's
    /// end: an earlier, complete revision.
    /// </summary>
    private static bool OnlyUnsignedBytesDiffer(byte[] source, byte[] mutant, List<(long GapFrom, long GapTo, long End)> ranges)
    {
        if (mutant.Length < source.Length) return ranges.Any(r => r.End == mutant.Length) && source.AsSpan(0, mutant.Length).SequenceEqual(mutant);
        if (source.Length != mutant.Length) return false;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] != mutant[i] && ranges.Any(r => i < r.GapFrom || (i >= r.GapTo && i < r.End))) return false;
        }

        return true;
    }

    private static IEnumerable<(string Name, byte[] Source, byte[] Pdf)> Mutants(byte[] classic, byte[] xrefStream, Random random, byte[] bomb)
    {
        for (var i = 0; i < 1200; i++) yield return ($"flip {i}", classic, Flip(classic, random, 0, classic.Length, random.Next(1, 5)));
        for (var i = 0; i < 400; i++) yield return ($"flip-tail {i}", classic, Flip(classic, random, classic.Length - 3000, classic.Length, random.Next(1, 4)));
        for (var i = 0; i < 300; i++) yield return ($"xref-stream-flip {i}", xrefStream, Flip(xrefStream, random, random.Next(2) == 0 ? 0 : xrefStream.Length - 2000, xrefStream.Length, random.Next(1, 4)));
        for (var i = 0; i < 300; i++)
        {
            var source = i % 2 == 0 ? classic : xrefStream;
            yield return ($"truncate {i}", source, source[..random.Next(1, source.Length)]);
        }

        for (var i = 0; i < 200; i++) yield return ($"broken-xref {i}", classic, BreakXref(classic, random));
        for (var i = 0; i < 100; i++) yield return ($"startxref {i}", classic, ReplaceLast(classic, "startxref\n", "startxref\n" + random.NextInt64(-5, classic.Length * 2L).ToString(CultureInfo.InvariantCulture) + "\n%%EOF\n%"));
        for (var i = 0; i < 150; i++)
        {
            var depth = new[] { 10, 63, 64, 65, 200, 5000, 100_000 }[i % 7];
            var nested = new string('[', depth) + new string(']', depth);
            yield return ($"deep-nesting {i}", i % 2 == 0 ? classic : xrefStream, AppendToPage(i % 2 == 0 ? classic : xrefStream, (w, page) => page["X"] = Raw(w, nested)));
        }

        for (var i = 0; i < 150; i++)
        {
            var replacement = new[] { "/Length 99999999999", "/Length -5", "/Length 2147483648", "/Length 0", "/Length 1 0 R", "/Length 999 0 R", "/Length 3.5" }[i % 7];
            yield return ($"huge-length {i}", i % 3 == 0 ? xrefStream : classic, ReplaceNth(i % 3 == 0 ? xrefStream : classic, "/Length ", replacement + " ", random.Next(0, 12)));
        }

        for (var i = 0; i < 100; i++)
        {
            var header = i % 4 == 0 ? "999999 0" : $"{random.Next(1, 9)} {random.Next(0, 40)}";
            yield return ($"objstm-bomb {i}", i % 2 == 0 ? classic : xrefStream, AppendToPage(i % 2 == 0 ? classic : xrefStream, (w, page) =>
            {
                var stm = w.Allocate();
                var body = Encoding.Latin1.GetBytes($"<</Type/ObjStm/N {random.Next(1, 5)}/First {header.Length + 1}/Filter/FlateDecode/Length {bomb.Length}>>\nstream\n");
                w.SetRawObject(stm, [.. body, .. bomb, .. "\nendstream"u8]);
                page["X"] = stm;
            }));
        }

        for (var i = 0; i < 100; i++)
        {
            yield return ($"reference-loop {i}", i % 2 == 0 ? classic : xrefStream, AppendToPage(i % 2 == 0 ? classic : xrefStream, (w, page) =>
            {
                var a = w.Allocate();
                var b = w.Allocate();
                w.SetRawObject(a, Encoding.ASCII.GetBytes(b.ToString()));
                w.SetRawObject(b, Encoding.ASCII.GetBytes(i % 3 == 0 ? a.ToString() : $"<</Type/Pages/Kids[{a} {b}]/Parent {b}>>"));
                if (i % 2 == 0) page["Contents"] = a;
                else page["Parent"] = b;
            }));
        }

        for (var i = 0; i < 100; i++)
        {
            yield return ($"length-loop {i}", i % 2 == 0 ? classic : xrefStream, AppendToPage(i % 2 == 0 ? classic : xrefStream, (w, page) =>
            {
                var a = w.Allocate();
                var b = w.Allocate();
                w.SetRawObject(a, Encoding.ASCII.GetBytes($"<</Length {b}>>\nstream\nq Q\nendstream"));
                w.SetRawObject(b, Encoding.ASCII.GetBytes(i % 2 == 0 ? $"<</Length {a}>>\nstream\nq Q\nendstream" : $"{a}"));
                page["Contents"] = new PdfArray([a, b]);
            }));
        }
    }

    private static byte[] Flip(byte[] source, Random random, int from, int to, int count)
    {
        var copy = (byte[])source.Clone();
        for (var i = 0; i < count; i++) copy[random.Next(Math.Max(0, from), to)] ^= (byte)random.Next(1, 256);
        return copy;
    }

    private static byte[] BreakXref(byte[] source, Random random)
    {
        var copy = (byte[])source.Clone();
        var xref = Encoding.Latin1.GetString(copy).LastIndexOf("xref", StringComparison.Ordinal);
        for (var i = 0; i < random.Next(1, 6); i++)
        {
            var at = random.Next(xref, Math.Min(copy.Length, xref + 400));
            if (copy[at] is >= (byte)'0' and <= (byte)'9') copy[at] = (byte)('0' + random.Next(10));
            else if (random.Next(4) == 0) copy[at] = (byte)"nf0 \n"[random.Next(5)];
        }

        return copy;
    }

    private static byte[] ReplaceLast(byte[] source, string from, string to)
    {
        var text = Encoding.Latin1.GetString(source);
        var at = text.LastIndexOf(from, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text[..at] + to + text[(at + from.Length)..]);
    }

    private static byte[] ReplaceNth(byte[] source, string from, string to, int n)
    {
        var text = Encoding.Latin1.GetString(source);
        var at = -1;
        for (var i = 0; i <= n; i++)
        {
            var next = text.IndexOf(from, at + 1, StringComparison.Ordinal);
            if (next < 0) break;
            at = next;
        }

        // Keep the number's digits out: replace "/Length <digits>" by the new text.
        var end = at + from.Length;
        while (end < text.Length && char.IsDigit(text[end])) end++;
        return Encoding.Latin1.GetBytes(text[..at] + to + text[end..]);
    }

    private static PdfReference Raw(IncrementalUpdateWriter w, string body)
    {
        var r = w.Allocate();
        w.SetRawObject(r, Encoding.Latin1.GetBytes(body));
        return r;
    }

    /// <summary>Appends an update that rewrites page 1 after <paramref name="edit"/>.</summary>
    private static byte[] AppendToPage(byte[] source, Action<IncrementalUpdateWriter, PdfDictionary> edit) =>
        SignedResults.Append(source, (file, w) =>
        {
            var pageRef = SignedResults.FirstPage(file);
            var page = file.ResolveDictionary(pageRef)!.CloneShallow();
            edit(w, page);
            w.SetObject(pageRef, page);
        });
}
