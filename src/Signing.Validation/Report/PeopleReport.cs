using System.Globalization;
using System.Text;

namespace Signing.Validation;

/// <summary>One signature told for people: what was signed, by whom, when, and what changed after it.</summary>
public sealed record SignatureStory(
    Bilingual Heading,
    Indication Indication,
    Bilingual Outcome,
    Bilingual What,
    Bilingual Who,
    Bilingual When,
    Bilingual ChangesHeading,
    IReadOnlyList<Bilingual> Changes);

/// <summary>
/// The report for people, built from a <see cref="VerificationReport"/> and nothing else, so the
/// CLI's text and the public page say the same; the sentences are in <see cref="ReportStrings"/>.
/// </summary>
public sealed record PeopleReport(
    Verdict Verdict,
    Bilingual VerdictText,
    Bilingual File,
    IReadOnlyList<SignatureStory> Signatures,
    IReadOnlyList<Bilingual> DocumentFindings,
    RegistryMatchKind? Match,
    IReadOnlyList<Bilingual> Registry,
    string? OriginalUrl,
    Bilingual Note)
{
    public static PeopleReport From(VerificationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var verdict = report.Verdict switch
        {
            Verdict.PASSED => ReportStrings.VerdictPassed,
            Verdict.FAILED => ReportStrings.VerdictFailed,
            _ => report.Signatures.Count == 0 ? ReportStrings.NoSignatures : ReportStrings.VerdictIndeterminate,
        };
        var stories = report.Signatures.Select((s, i) => Story(report, s, i)).ToList();
        // Findings no signature accounts for (e.g. in the structure before the first signature).
        var attributed = report.Signatures.SelectMany(s => s.Modifications).ToHashSet();
        var loose = report.Modifications.Where(m => !attributed.Contains(m)).Select(Change).ToList();
        return new PeopleReport(
            report.Verdict,
            verdict,
            ReportStrings.File.Format(report.FileLength.ToString("N0", CultureInfo.InvariantCulture), report.Revisions, report.FileSha256),
            stories,
            loose,
            report.Registry?.Match,
            RegistryLines(report.Registry),
            report.Registry?.Issued?.OriginalUrl,
            ReportStrings.RevocationNote);
    }

    private static SignatureStory Story(VerificationReport report, SignatureVerification s, int index)
    {
        var end = s.ByteRange.Ok && s.ByteRange.Values.Length == 4 ? s.ByteRange.Values[2] + s.ByteRange.Values[3] : -1;
        var what = end < 0 ? ReportStrings.SignedUnknown
            : s.CoversWholeDocument ? ReportStrings.SignedWholeFile.Format(s.Revision, end)
            : ReportStrings.SignedRevision.Format(s.Revision, report.Revisions, end);
        var who = s.SignerSubject is { } subject ? ReportStrings.Signer.Format(subject) : ReportStrings.SignerUnknown;
        var when = s.Timestamp is { Valid: true, Time: { } time }
            ? new Bilingual(
                string.Format(CultureInfo.InvariantCulture, ReportStrings.SignedAt.Vi, ReportStrings.VietnamDateTime(time), s.Timestamp.TsaSubject ?? "?"),
                string.Format(CultureInfo.InvariantCulture, ReportStrings.SignedAt.En, ReportStrings.VietnamDateTimeInEnglish(time), s.Timestamp.TsaSubject ?? "?"))
            : ReportStrings.NoValidTimestamp.Format(s.ClaimedSigningTime ?? "-");
        var outcome = ReportStrings.Outcome.With(s.Indication == Indication.TOTAL_PASSED
            ? ReportStrings.SignaturePassed
            : ReportStrings.SignatureProblem.With(ReportStrings.Words(s.SubIndication)));

        Bilingual heading;
        List<Bilingual> changes;
        if (s.Modifications.Count > 0)
        {
            heading = ReportStrings.DisallowedChanges;
            changes = s.Modifications.Select(Change).ToList();
        }
        else if (s.LaterChanges.LaterRevisions == 0 || end < 0)
        {
            heading = ReportStrings.NothingChanged;
            changes = [];
        }
        else
        {
            heading = ReportStrings.OnlyAllowedChanges.Format(s.LaterChanges.LaterRevisions);
            changes = report.Signatures.Select((later, j) => (later, j))
                .Where(x => x.later.Revision > s.Revision)
                .Select(x => ReportStrings.LaterSignatureAdded.Format(x.later.Revision, x.j + 1, x.later.FieldName))
                .ToList();
        }

        return new SignatureStory(ReportStrings.SignatureHeading.Format(index + 1, s.FieldName), s.Indication, outcome, what, who, when, heading, changes);
    }

    private static Bilingual Change(Modification m)
    {
        var words = ReportStrings.Words(m.Kind);
        var obj = m.ObjectNumber is { } n ? ReportStrings.ObjectSuffix.Format(n) : new Bilingual("", "");
        // The English line keeps the verifier's own detail (which object, which keys), for whoever investigates.
        return new(
            string.Format(CultureInfo.InvariantCulture, ReportStrings.ChangeLine.Vi, m.Revision, obj.Vi, words.Vi),
            string.Format(CultureInfo.InvariantCulture, ReportStrings.ChangeLine.En, m.Revision, obj.En, words.En + ": " + m.Detail));
    }

    private static List<Bilingual> RegistryLines(RegistryMatch? registry)
    {
        if (registry is null) return [ReportStrings.RegistryNotChecked];
        var code = registry.Issued?.VerificationCode;
        var lines = new List<Bilingual>
        {
            registry.Match switch
            {
                RegistryMatchKind.Identical => ReportStrings.RegistryIdentical.Format(code),
                RegistryMatchKind.Extends => ReportStrings.RegistryExtends.Format(code),
                _ => code is null ? ReportStrings.RegistryNoneUnknown : ReportStrings.RegistryNone.Format(code),
            },
        };
        if (registry.Issued is { } issued)
        {
            lines.Add(ReportStrings.RegistryStatus.With(ReportStrings.DocumentStatus(issued.Status)));
        }

        return lines;
    }

    /// <summary>Plain text: each sentence in Vietnamese, its English on the next line.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        // The English line sits under the Vietnamese one, indented past any bullet.
        void Line(Bilingual b, string indent = "", string bullet = "")
        {
            sb.Append(indent).Append(bullet).Append(b.Vi).Append('\n');
            sb.Append(indent).Append(' ', bullet.Length + 2).Append(b.En).Append('\n');
        }

        Line(ReportStrings.Title);
        sb.Append('\n');
        Line(VerdictText);
        Line(File);
        foreach (var s in Signatures)
        {
            sb.Append('\n');
            Line(s.Heading);
            Line(s.Outcome, "  ");
            Line(s.What, "  ");
            Line(s.Who, "  ");
            Line(s.When, "  ");
            Line(s.ChangesHeading, "  ");
            foreach (var c in s.Changes) Line(c, "    ", "- ");
        }

        if (DocumentFindings.Count > 0)
        {
            sb.Append('\n');
            Line(ReportStrings.DocumentFindings);
            foreach (var c in DocumentFindings) Line(c, "  ", "- ");
        }

        sb.Append('\n');
        foreach (var r in Registry) Line(r);
        if (OriginalUrl is { } url) sb.Append(ReportStrings.DownloadOriginal.Vi).Append(" (").Append(ReportStrings.DownloadOriginal.En).Append("): ").Append(url).Append('\n');
        Line(Note);
        return sb.ToString();
    }
}
