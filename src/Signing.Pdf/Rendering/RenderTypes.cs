using Signing.Core.Decisions;
using Signing.Seal;

namespace Signing.Pdf.Rendering;

/// <summary>How to render a result.</summary>
public sealed record RenderOptions
{
    /// <summary>Base of the public verification URL; the QR code encodes {base}/v/{code}.</summary>
    public Uri VerificationBaseUrl { get; init; } = new("https://tracuu.example.gov.vn");

    /// <summary>
    /// The verification code to print; when null it is derived from the decision and the clock's
    /// current time (deterministic). The registry should supply one it has reserved as unique.
    /// </summary>
    public string? VerificationCode { get; init; }

    /// <summary>Overrides the decision's template (the CLI's --template).</summary>
    public string? TemplateOverride { get; init; }

    /// <summary>Clock for the creation date (and a derived verification code); tests inject a fixed one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Extra templates (JSON files) that add to or replace the built-in ones.</summary>
    public string? TemplateDirectory { get; init; }

    /// <summary>
    /// Signs the printed seal that the QR code carries after the URL (docs/printed-seal.md); when null
    /// the QR holds only the URL. The seal is signed here, so the PAdES signatures cover it.
    /// </summary>
    public IPrintedSealSigner? Seal { get; init; }

    /// <summary>
    /// Draw the verification code and QR on page 1 (default). Counter forms are not results the
    /// public page can look up, so they go without: a QR leading to "not found" would mislead.
    /// </summary>
    public bool VerificationFooter { get; init; } = true;
}

/// <summary>
/// A rectangle reserved on a page for a visible signature, in PDF user space (points, origin
/// bottom-left, as a /Rect of a signature widget needs it). <see cref="PageIndex"/> is zero-based.
/// </summary>
public sealed record SignatureSlot(int PageIndex, double X, double Y, double Width, double Height);

/// <summary>The rendered PDF/A-3b file and what the signing stage needs to know about it.</summary>
public sealed record RenderedResult
{
    public required byte[] Pdf { get; init; }

    /// <summary>Where the signer's handwritten-signature image goes (Decree 30, signature block).</summary>
    public required SignatureSlot HeadSlot { get; init; }

    /// <summary>Where the agency seal goes: overlapping the left third of <see cref="HeadSlot"/>.</summary>
    public required SignatureSlot SealSlot { get; init; }

    /// <summary>The verification code printed on page 1, formatted as XXXX-XXXX-XXX.</summary>
    public required string VerificationCode { get; init; }

    /// <summary>The URL in the QR code.</summary>
    public required Uri VerificationUrl { get; init; }

    /// <summary>Everything the QR code holds: the URL, then the seal when one was signed.</summary>
    public required string QrText { get; init; }

    /// <summary>The fields the printed seal signs, or null when the QR holds only the URL.</summary>
    public PrintedSeal? Seal { get; init; }

    public required int PageCount { get; init; }

    /// <summary>The validated, NFC-normalised decision that was rendered and embedded.</summary>
    public required Decision Decision { get; init; }
}
