using Signing.Pades;
using System.Diagnostics;
using Signing.Core;
using Signing.Testing.Pades;
using Signing.Validation;
using Signing.Testing;
using Xunit.Abstractions;

namespace Signing.Validation.Tests;

/// <summary>
/// The 75 public attack samples (EU DSS, iText, RUB-NDS; SOURCES.md): none may crash or hang the
/// verifier, and every manipulated one must be flagged: refused as unreadable, or with at least one
/// signature whose ByteRange, digest or signature value fails or whose later changes are disallowed,
/// whatever the trust in its signer (the samples' signers are not our anchors).
/// </summary>
public sealed class AttackCorpusTests(ITestOutputHelper output)
{
    /// <summary>
    /// The samples that are not manipulated: unsigned originals, the signed, untouched steps of the
    /// RUB shadow demos, and DSS-2554's two certified files, whose one signature covers the whole
    /// file (they test DocMDP levels, which this verifier does not enforce yet; issue #10 part 3).
    /// </summary>
    private static bool IsUnmanipulatedOriginal(string name) =>
        name.StartsWith("dss__dss-2554__certified-", StringComparison.Ordinal) ||
        name.Contains("1_original-document.pdf", StringComparison.Ordinal)
        || name.EndsWith("2_original-document-shadowed.pdf", StringComparison.Ordinal)
        || name.EndsWith("3_original-document-shadowed-signed.pdf", StringComparison.Ordinal)
        || name is "mkl__hide-shadow-file.pdf" or "mkl__replace-shadow-file.pdf" or "dss__retrieved-modified_after_signature.pdf"
        || name.StartsWith("pdf101__", StringComparison.Ordinal);

    [AttackCorpusFact]
    public void No_sample_crashes_or_hangs_and_every_manipulated_one_is_flagged()
    {
        var policy = new VerificationPolicy { TrustAnchors = TestPki.Shared.TrustAnchors };
        var problems = new List<string>();
        var files = System.IO.Directory.GetFiles(AttackCorpus.Directory!, "*.pdf", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        foreach (var group in files.GroupBy(f => Path.GetFileName(Path.GetDirectoryName(f)!)))
        {
            int manipulated = 0, flagged = 0, refused = 0;
            foreach (var path in group)
            {
                var name = Path.GetFileName(path);
                var isManipulated = !IsUnmanipulatedOriginal(name);
                if (isManipulated) manipulated++;
                var clock = Stopwatch.StartNew();
                string verdict;
                bool isFlagged;
                try
                {
                    var report = PdfSignatureVerifier.Verify(File.ReadAllBytes(path), policy);
                    if (isManipulated && report.Indication == Indication.TOTAL_PASSED) problems.Add($"{group.Key}/{name}: TOTAL_PASSED");
                    if (!isManipulated && report.Signatures.Any(s => !s.CoversWholeDocument && s.Modifications.Count == 0 && s.LaterChanges.Assessment != LaterChangesAssessment.NONE))
                    {
                        output.WriteLine($"{group.Key}/{name}: an original with later revisions the allow-list accepted");
                    }
                    isFlagged = report.Signatures.Count == 0 || report.Signatures.Any(s => !s.ByteRange.Ok || !s.DigestOk || !s.SignatureOk || s.Modifications.Count > 0);
                    verdict = $"{report.Indication}; " + string.Join("; ", report.Signatures.Select(s => $"{s.FieldName}: {s.Indication}/{s.SubIndication} {string.Join(",", s.Modifications.Select(m => m.Kind).Distinct())}"));
                }
                catch (SigningException e)
                {
                    isFlagged = true;
                    refused++;
                    verdict = "refused: " + e.Message;
                }
                catch (Exception e)
                {
                    isFlagged = false;
                    verdict = "CRASH";
                    problems.Add($"{group.Key}/{name}: {e.GetType().Name}: {e.Message}");
                }

                // A hang, not a speed figure (bench/ has those): far above the reader's own 5 s CPU budget, so a busy machine does not fail it.
                if (clock.Elapsed > TimeSpan.FromSeconds(30)) problems.Add($"{group.Key}/{name}: took {clock.ElapsedMilliseconds} ms");
                if (isManipulated && isFlagged) flagged++;
                if (isManipulated && !isFlagged) problems.Add($"{group.Key}/{name}: not flagged ({verdict})");
                output.WriteLine($"{group.Key}/{name} [{clock.ElapsedMilliseconds} ms]{(isManipulated ? "" : " (original)")}: {verdict}");
            }

            output.WriteLine($"== {group.Key}: {group.Count()} file(s), {manipulated} manipulated, {flagged} flagged, {refused} refused as unreadable, none crashed");
        }

        Assert.Equal(75, files.Count);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
