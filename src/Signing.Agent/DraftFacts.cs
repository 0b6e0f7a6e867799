using System.Security.Cryptography;
using Signing.Pades;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.PdfSyntax;
using Signing.Validation;
using DocumentSummary = Signing.Service.Contracts.DocumentSummary;

namespace Signing.Agent;

/// <summary>
/// Ties the summary the head is shown to the draft's own bytes: every result embeds the decision
/// it was rendered from (PDF/A-3 associated file "decision.json") and names its verification code
/// in /Keywords, so the agent reads the facts from the file instead of trusting the service's words.
/// </summary>
public static class DraftFacts
{
    public const string EmbeddedFileName = "decision.json";

    /// <summary>Throws unless <paramref name="draft"/> hashes to <paramref name="expectedSha256"/> and states what <paramref name="summary"/> says.</summary>
    public static void Check(byte[] draft, string expectedSha256, DocumentSummary summary)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(summary);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(draft)), expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new SigningException($"The draft of {summary.VerificationCode} is not the file the service registered (SHA-256 differs).");

        var (decision, keywords) = Read(draft);
        var mismatches = new List<string>();
        void Compare(string what, string stated, string inFile)
        {
            if (!string.Equals(stated.Trim(), inFile.Trim(), StringComparison.Ordinal)) mismatches.Add($"{what} '{stated}' ≠ '{inFile}'");
        }

        Compare("type", summary.Type, decision.DocumentType);
        Compare("number", summary.Number, $"{decision.Number}/{decision.Symbol}");
        Compare("applicant", summary.Applicant, decision.Applicant.Name);
        Compare("dossier", summary.DossierCode, decision.DossierCode);
        Compare("agency", summary.IssuingAgency, decision.IssuingAgency);
        if (!keywords.Split(';').Select(k => k.Trim()).Contains(summary.VerificationCode, StringComparer.Ordinal))
            mismatches.Add($"code '{summary.VerificationCode}' is not the draft's");
        if (mismatches.Count > 0)
            throw new SigningException($"The summary of {summary.VerificationCode} does not match its draft: {string.Join("; ", mismatches)}.");
    }

    /// <summary>The embedded decision and the /Keywords of a draft (parsed with limits: the file came over the network).</summary>
    public static (Decision Decision, string Keywords) Read(byte[] draft)
    {
        try
        {
            var file = PdfFile.Parse(draft, PreparedSignatureCheck.Limits);
            var catalog = file.ResolveDictionary(file.Trailer["Root"]) ?? throw new SigningException("The draft has no catalog.");
            var keywords = (file.Resolve(file.ResolveDictionary(file.Trailer["Info"])?["Keywords"]) as PdfString)?.ToText() ?? "";
            var specs = file.Resolve(catalog["AF"]) as PdfArray ?? throw new SigningException($"The draft embeds no decision data (no /AF), so its summary cannot be checked.");
            foreach (var item in specs.Items)
            {
                var spec = file.ResolveDictionary(item);
                var name = (file.Resolve(spec?["UF"]) as PdfString)?.ToText() ?? (file.Resolve(spec?["F"]) as PdfString)?.ToText();
                if (name != EmbeddedFileName) continue;
                if (file.Resolve(file.ResolveDictionary(spec!["EF"])?["F"]) is not PdfStream stream) break;
                return (DecisionJson.Parse(file.DecodeStream(stream)), keywords);
            }

            throw new SigningException($"The draft embeds no {EmbeddedFileName}, so its summary cannot be checked.");
        }
        catch (PdfFormatException e)
        {
            throw new SigningException("The draft is not a readable PDF: " + e.Message);
        }
    }
}
