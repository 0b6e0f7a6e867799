using Microsoft.Extensions.Logging;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Core.Documents;
using Signing.Core.Timestamps;
using Signing.Pades;
using Signing.Pades.Appearance;
using Signing.Pades.LongTerm;
using Signing.Revocation;
using Signing.PdfSyntax;
using Signing.Validation;
using Signing.Pdf.Rendering;

namespace Signing.Issuance;

/// <summary>What a submit did: the document and whether this call created it (false: an idempotent replay).</summary>
public sealed record SubmitResult(DocumentRecord Document, bool Created);

/// <summary>The public view of an issued result.</summary>
public sealed record PublicStatus(DocumentRecord Document, DocumentFacts Facts, DateTimeOffset? IssuedUtc, string? ReplacedByCode, int PreviewPages);

/// <summary>The draft a prepared signature extends: the signer downloads it and checks the hash against it.</summary>
public sealed record PreparedDraft(string PdfSha256, int Length);

/// <summary>An uploaded file's verdict plus how it matches the registry.</summary>
/// <summary>An upload's report (its <see cref="VerificationReport.Registry"/> filled in) and the registered result it was compared with.</summary>
public sealed record UploadVerification(VerificationReport Report, PublicStatus? Registered);

/// <summary>
/// The issuance use cases over the registry, the renderer, the PAdES signer, the seal key and the
/// TSA. Every commit is checked against the document's version in the registry; the steps that
/// call the token or the TSA before their commit hold the document's registry lock, so one
/// document is worked on by one caller at a time across every instance. Each step is idempotent:
/// a retry continues from the document's last committed status and never signs twice.
/// </summary>
public sealed partial class IssuanceService
{
    private readonly IssuanceRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger<IssuanceService> _logger;

    public IssuanceService(IssuanceRuntime runtime, LongTermOptions longTerm, IRevocationSource revocation, TimeProvider time, ILogger<IssuanceService> logger)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        LongTerm = longTerm;
        Revocation = revocation;
        _time = time;
        _logger = logger;
        Facts = new DocumentFactsStore(runtime.Registry);
        Heads = runtime.Storage.Heads;
        PreparedRequests = new PreparedRequestStore(runtime.Storage.PreparedRequests);
        Previews = new PagePreviews(runtime.Options.DataDirectory, runtime.Pdftoppm);
    }

    public DocumentFactsStore Facts { get; }

    /// <summary>Which PAdES level a result gets after the seal (per template, agency, default).</summary>
    public LongTermOptions LongTerm { get; }

    /// <summary>
    /// The service's one revocation source (OCSP first, CRL fallback, cached by nextUpdate): the
    /// /DSS of issued results, the archive job and the verification of uploads all ask it, so its cache stays warm.
    /// </summary>
    public IRevocationSource Revocation { get; }

    public IHeadRegistry Heads { get; }
    public PreparedRequestStore PreparedRequests { get; }
    public PagePreviews Previews { get; }
    private IDocumentRegistry Registry => _runtime.Registry;

    // ---- submit -------------------------------------------------------------------------

    /// <summary>
    /// Validates, renders, stores and sends a decision to <paramref name="signer"/>'s queue.
    /// The idempotency hash covers the body and the signer, so the same key with another head is
    /// a conflict too. A replay finishes a send-for-signature a crash may have cut short.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(byte[] body, string idempotencyKey, string? signer, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrWhiteSpace(signer)) throw Refuse.InvalidInput("the query parameter 'signer' (the department head's id) is required", "signer");
        signer = signer.Trim().ToUpperInvariant();
        var requestHash = RequestHash(body, signer);
        var decision = DecisionJson.Parse(body);
        if (await Heads.GetAsync(signer, ct).ConfigureAwait(false) == null)
            throw Refuse.Unacceptable($"signer '{signer}' is not an enrolled department head (the head enrolls a token certificate first)", "signer");

        CreateResult created = null!;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            // A random code (50 bits): the derived one repeats for one decision submitted twice in a second.
            var rendered = IssuanceTelemetry.Step(IssuanceStep.Render, () => ResultRenderer.Render(decision, new RenderOptions
            {
                VerificationBaseUrl = _runtime.Options.VerificationBaseUrl,
                VerificationCode = VerificationCode.Derive(RandomNumberGenerator.GetBytes(32), _time.GetUtcNow()),
                Clock = _time,
                Seal = _runtime.PrintedSeal,
            }));
            try
            {
                created = await IssuanceTelemetry.StepAsync(IssuanceStep.RegistryCommit, () => Registry.CreateAsync(new NewDocument
                {
                    VerificationCode = rendered.VerificationCode,
                    DossierCode = rendered.Decision.DossierCode,
                    Template = rendered.Decision.Template,
                    Pdf = rendered.Pdf,
                    FactsJson = DocumentFactsStore.ToJson(DocumentFacts.From(rendered)),
                }, idempotencyKey, requestHash, actor, ct)).ConfigureAwait(false);
                break;
            }
            catch (DuplicateVerificationCodeException) when (attempt < 3)
            {
            }
        }

        var document = created.Document;
        // One transaction, checked against the version read: a replay racing this one gets 409 and a retry returns the document.
        if (document.Status == DocumentStatus.Draft)
        {
            document = await IssuanceTelemetry.StepAsync(IssuanceStep.RegistryCommit, () => Registry.TransitionAsync(document.Id, document.Version, DocumentTransition.SendForSignature(signer), actor,
                new Dictionary<string, string> { ["signer"] = signer }, cancellationToken: ct)).ConfigureAwait(false);
        }
        if (created.Created) IssuanceTelemetry.ResultSubmitted();
        _logger.LogInformation("document {DocumentId} {Outcome} for signer {Signer}", document.Id, created.Created ? "created" : "replayed", signer);
        return new SubmitResult(document, created.Created);
    }

    internal static string RequestHash(byte[] body, string signer)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(body);
        sha.AppendData([0]);
        sha.AppendData(Encoding.UTF8.GetBytes(signer));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    // ---- reading ------------------------------------------------------------------------

    public async Task<DocumentRecord> GetAsync(Guid id, CancellationToken ct) =>
        await Registry.GetAsync(id, ct).ConfigureAwait(false) ?? throw Refuse.NotFound($"no document {id}");

    public async Task<byte[]> GetPdfAsync(DocumentRecord document, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.PdfSha256 is not { } sha) throw Refuse.NotFound($"document {document.Id} has no PDF");
        return await _runtime.Storage.Blobs.GetAsync(sha, ct).ConfigureAwait(false);
    }

    // ---- department heads ---------------------------------------------------------------

    /// <summary>Checks the token certificate's chain to the configured anchors and records it for the head.</summary>
    public async Task<HeadEnrollment> EnrollAsync(string headId, string headName, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
            throw Refuse.Unacceptable($"the certificate '{certificate.Subject}' is not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u})", "certificate");
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage != null && (usage.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0)
            throw Refuse.Unacceptable("the certificate's key usage allows neither digitalSignature nor nonRepudiation", "certificate");
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            throw Refuse.Unacceptable("the certificate is a CA certificate, not a signer's", "certificate");

        using var builder = new X509Chain();
        builder.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        builder.ChainPolicy.CustomTrustStore.AddRange(_runtime.TrustAnchors);
        builder.ChainPolicy.ExtraStore.AddRange(_runtime.Intermediates);
        foreach (var c in chain) builder.ChainPolicy.ExtraStore.Add(c);
        // Revocation of signer certificates is checked when verifying (B-LT work); here the chain decides.
        builder.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        builder.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (!builder.Build(certificate))
        {
            var why = string.Join("; ", builder.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            throw Refuse.Unacceptable($"the certificate does not chain to a configured trust anchor ({why})", "certificate");
        }

        var enrollment = new HeadEnrollment
        {
            HeadId = headId,
            Name = headName,
            Certificate = certificate.RawData,
            Chain = builder.ChainElements.Skip(1).Select(e => e.Certificate.RawData).ToArray(),
            CertificateSha256 = Certificates.Sha256(certificate),
            EnrolledUtc = now,
        };
        await Heads.EnrollAsync(enrollment, actor, ct).ConfigureAwait(false);
        _logger.LogInformation("head {HeadId} enrolled signing certificate {CertificateSha256}", headId, enrollment.CertificateSha256);
        return enrollment;
    }

    /// <summary>Phase 1 for the calling head: the hash to sign on the token, bound to their enrolled certificate.</summary>
    /// <remarks>
    /// No document lock: nothing here leaves the process before the commit, and the request is
    /// saved only while the document is still at the version it was prepared on, awaiting this head.
    /// </remarks>
    public async Task<(PreparedRequest Request, DocumentFacts Facts, PreparedDraft Draft)> PrepareAsync(Guid id, string headId, string actor, CancellationToken ct)
    {
        var document = await GetAsync(id, ct).ConfigureAwait(false);
        if (!string.Equals(document.SignerId, headId, StringComparison.Ordinal))
            throw Refuse.NotPermitted($"document {document.VerificationCode} is not in your queue");
        if (document.Status != DocumentStatus.AwaitingSignature)
            throw Refuse.Conflict($"document {document.VerificationCode} is {document.Status.ToName()}, not awaiting your signature");
        var enrollment = await Heads.GetAsync(headId, ct).ConfigureAwait(false)
            ?? throw Refuse.Conflict("you have not enrolled a signing certificate yet (POST /api/heads/enroll)");

        var facts = await Facts.GetAsync(document, ct).ConfigureAwait(false);
        var pdf = await GetPdfAsync(document, ct).ConfigureAwait(false);
        var certificate = X509CertificateLoader.LoadCertificate(enrollment.Certificate);
        var chain = enrollment.Chain.Select(X509CertificateLoader.LoadCertificate).ToList();
        var prepared = PadesSigner.Prepare(pdf, HeadSignatureRequest(facts, certificate, chain), _time);
        var request = new PreparedRequest
        {
            RequestId = Guid.NewGuid(),
            DocumentId = id,
            DocumentVersion = document.Version,
            HeadId = headId,
            CertificateSha256 = enrollment.CertificateSha256,
            Nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
            ExpiresUtc = _time.GetUtcNow() + _runtime.Options.PrepareLifetime,
            Prepared = prepared,
        };
        await PreparedRequests.SaveAsync(request, actor, ct).ConfigureAwait(false);
        return (request, facts, new PreparedDraft(document.PdfSha256!, pdf.Length));
    }

    /// <summary>
    /// Phase 2: checks the request (caller, single use, expiry, document unchanged, certificate
    /// still enrolled) and the value against the certificate, then embeds CMS + timestamp and
    /// marks the document Signed; the request is marked completed in that same registry transaction.
    /// </summary>
    public async Task<DocumentRecord> CompleteAsync(Guid id, string headId, Guid requestId, string? nonce, byte[] signatureValue, string actor, CancellationToken ct)
    {
        return await WithDocumentLock(id, async () =>
        {
            var request = await PreparedRequests.GetAsync(requestId, ct).ConfigureAwait(false) ?? throw Refuse.NotFound($"no prepared request {requestId}");
            if (!string.Equals(request.HeadId, headId, StringComparison.Ordinal))
                throw Refuse.NotPermitted("this request was prepared for another department head");
            if (request.DocumentId != id)
                throw Refuse.InvalidInput($"request {requestId} was prepared for another document", "requestId");
            if (nonce != null && !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(nonce), Encoding.ASCII.GetBytes(request.Nonce)))
                throw Refuse.InvalidInput("the nonce does not match the prepared request", "nonce");
            if (request.CompletedUtc != null)
                throw Refuse.Conflict($"request {requestId} was already completed at {request.CompletedUtc:O}; prepare again to sign again");
            if (_time.GetUtcNow() > request.ExpiresUtc)
                throw Refuse.Expired($"request {requestId} expired at {request.ExpiresUtc:O}; prepare again");
            var enrollment = await Heads.GetAsync(headId, ct).ConfigureAwait(false);
            if (enrollment?.CertificateSha256 != request.CertificateSha256)
                throw Refuse.Conflict("your enrolled certificate changed since this request was prepared; prepare again");
            var document = await GetAsync(id, ct).ConfigureAwait(false);
            if (document.Version != request.DocumentVersion || document.Status != DocumentStatus.AwaitingSignature)
                throw Refuse.Conflict($"document {document.VerificationCode} changed since this request was prepared (now {document.Status.ToName()}, version {document.Version})");

            byte[] signed;
            try
            {
                signed = await IssuanceTelemetry.StepAsync(IssuanceStep.HeadSignature, () => PadesSigner.CompleteAsync(request.Prepared, signatureValue, _runtime.Timestamps, ct)).ConfigureAwait(false);
            }
            catch (SigningException e) when (e is not TimestampException)
            {
                throw Refuse.Unacceptable(e.Message, "signatureValue");
            }

            var updated = await IssuanceTelemetry.StepAsync(IssuanceStep.RegistryCommit, () => _runtime.Storage.PreparedRequests.CompleteAsync(requestId, actor,
                new Dictionary<string, string> { ["requestId"] = requestId.ToString("D"), ["certificateSha256"] = request.CertificateSha256 }, signed, ct)).ConfigureAwait(false);
            _logger.LogInformation("document {DocumentId} signed by head {HeadId}", id, headId);
            return updated;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>The head's signature on a result: in the head's slot, with the signature image (or the signing time).</summary>
    public SignatureRequest HeadSignatureRequest(DocumentFacts facts, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var image = _runtime.HeadSignatureImage;
        return new SignatureRequest
        {
            SignerCertificate = certificate,
            Chain = chain,
            PageIndex = facts.HeadSlot.PageIndex,
            Placement = new SignaturePlacement(facts.HeadSlot.X, facts.HeadSlot.Y, facts.HeadSlot.Width, facts.HeadSlot.Height),
            Appearance = new SignatureAppearance { SignatureImagePng = image, ShowSigningTime = image == null },
            Reason = "Ký duyệt",
            Location = facts.Place,
        };
    }

    /// <summary>The agency seal on a result: in the seal's slot, with the seal image and the agency's name.</summary>
    public SignatureRequest SealSignatureRequest(DocumentFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return new SignatureRequest
        {
            SignerCertificate = _runtime.SealCertificate,
            Chain = _runtime.SealChain,
            PageIndex = facts.SealSlot.PageIndex,
            Placement = new SignaturePlacement(facts.SealSlot.X, facts.SealSlot.Y, facts.SealSlot.Width, facts.SealSlot.Height),
            Appearance = new SignatureAppearance { SealImagePng = _runtime.SealImage, AgencyName = facts.IssuingAgency },
            Reason = "Đóng dấu ban hành",
            Location = facts.Place,
        };
    }

    // ---- seal, issue, revoke, supersede ------------------------------------------------

    /// <summary>
    /// Signed → (seal with the HSM key, B-T) Sealed → (previews) Issued. Each step commits on its
    /// own, so a retry after a failure continues where it stopped; an issued document is returned as is.
    /// </summary>
    public async Task<DocumentRecord> SealAndIssueAsync(Guid id, string actor, CancellationToken ct)
    {
        return await WithDocumentLock(id, async () =>
        {
            var document = await GetAsync(id, ct).ConfigureAwait(false);
            if (document.Status == DocumentStatus.Signed)
            {
                var facts = await Facts.GetAsync(document, ct).ConfigureAwait(false);
                var pdf = await GetPdfAsync(document, ct).ConfigureAwait(false);
                var sealedPdf = await IssuanceTelemetry.StepAsync(IssuanceStep.Seal, () => PadesSigner.SignAsync(pdf, SealSignatureRequest(facts), _runtime.TimedSealKey, _runtime.Timestamps, _time, ct)).ConfigureAwait(false);
                var level = LongTerm.LevelFor(document.Template, facts.IssuingAgency);
                sealedPdf = await ExtendAsync(sealedPdf, level, document.VerificationCode, ct).ConfigureAwait(false);
                await PauseForFaultInjection(FaultPoint.SealCommit, id, ct).ConfigureAwait(false);
                document = await IssuanceTelemetry.StepAsync(IssuanceStep.RegistryCommit, () => Registry.TransitionAsync(id, document.Version, DocumentTransition.MarkSealed(), actor,
                    new Dictionary<string, string>
                    {
                        ["sealCertificateSha256"] = Certificates.Sha256(_runtime.SealCertificate),
                        ["level"] = LongTermUpdate.Name(level),
                    }, sealedPdf, ct)).ConfigureAwait(false);
            }

            if (document.Status == DocumentStatus.Sealed)
            {
                // Page images are rendered on first view, off this path (pdftoppm cost more than the seal).
                await PauseForFaultInjection(FaultPoint.IssueCommit, id, ct).ConfigureAwait(false);
                document = await IssuanceTelemetry.StepAsync(IssuanceStep.RegistryCommit, () => Registry.TransitionAsync(id, document.Version, DocumentTransition.Issue(), actor, cancellationToken: ct)).ConfigureAwait(false);
                IssuanceTelemetry.ResultIssued();
                _logger.LogInformation("document {DocumentId} sealed and issued", id);
                return document;
            }

            if (document.Status == DocumentStatus.Issued) return document;
            throw Refuse.Conflict($"document {document.VerificationCode} is {document.Status.ToName()}; only a document signed by its head can be sealed");
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the /DSS (B-LT) and the document timestamp with its own data (B-LTA) after the seal,
    /// through the service's revocation source. Missing revocation data is a 503: nothing was
    /// committed, and a retry seals again once the responders answer.
    /// </summary>
    private async Task<byte[]> ExtendAsync(byte[] sealedPdf, PadesLevel level, string code, CancellationToken ct)
    {
        try
        {
            return await IssuanceTelemetry.StepAsync(IssuanceStep.LongTerm, () => LongTermUpdate.ExtendAsync(sealedPdf, level, Revocation, _runtime.Timestamps, _time, ct)).ConfigureAwait(false);
        }
        catch (SigningException e) when (e is not TimestampException and not RefusalException)
        {
            throw Refuse.Unavailable(
                $"the {LongTermUpdate.Name(level)} validation data of {code} could not be gathered ({e.Message}); the seal was not committed, retry later");
        }
    }

    // Test only (Signing:FaultInjection): the crash test kills the process while it waits here.
    private async Task PauseForFaultInjection(FaultPoint point, Guid id, CancellationToken ct)
    {
        if (_runtime.Options.PauseAt != point) return;
        _logger.LogWarning("fault injection: pausing at {FaultPoint} for document {DocumentId}", point, id);
        await Task.Delay(_runtime.Options.Pause, _time, ct).ConfigureAwait(false);
    }

    public async Task<DocumentRecord> RevokeAsync(Guid id, string? reason, string actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw Refuse.InvalidInput("a reason is required", "reason");
        // One transaction against the version read (no lock: nothing slow precedes it); a race gets 409.
        var document = await GetAsync(id, ct).ConfigureAwait(false);
        if (document.Status == DocumentStatus.Revoked) return document; // a retried revoke
        var revoked = await IssuanceTelemetry.StepAsync(IssuanceStep.RegistryCommit, () => Registry.TransitionAsync(id, document.Version, DocumentTransition.Revoke(reason), actor, cancellationToken: ct)).ConfigureAwait(false);
        IssuanceTelemetry.ResultRevoked();
        return revoked;
    }

    public async Task<SupersedeResult> SupersedeAsync(Guid id, Guid replacementId, string? reason, string actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw Refuse.InvalidInput("a reason is required", "reason");
        if (replacementId == id) throw Refuse.Unacceptable("a document cannot replace itself", "replacementId");
        var document = await GetAsync(id, ct).ConfigureAwait(false);
        var replacement = await Registry.GetAsync(replacementId, ct).ConfigureAwait(false)
            ?? throw Refuse.Unacceptable($"no document {replacementId}", "replacementId");
        if (document.Status == DocumentStatus.Superseded && document.ReplacedBy == replacementId)
            return new SupersedeResult(document, replacement); // a retried supersede
        return await Registry.SupersedeAsync(id, document.Version, replacementId, reason, actor, ct).ConfigureAwait(false);
    }

    // ---- public ---------------------------------------------------------------------------

    /// <summary>The public view of a result by its printed code; null unless it has been issued.</summary>
    public async Task<PublicStatus?> FindPublicAsync(string typedCode, CancellationToken ct)
    {
        string code;
        try
        {
            code = VerificationCode.Normalize(typedCode);
        }
        catch (SigningException)
        {
            return null;
        }
        var document = await Registry.GetByCodeAsync(code, ct).ConfigureAwait(false);
        return document == null ? null : await PublicViewAsync(document, ct).ConfigureAwait(false);
    }

    private async Task<PublicStatus?> PublicViewAsync(DocumentRecord document, CancellationToken ct)
    {
        if (document.Status is not (DocumentStatus.Issued or DocumentStatus.Revoked or DocumentStatus.Superseded)) return null;
        var history = await Registry.GetHistoryAsync(document.Id, ct).ConfigureAwait(false);
        var issued = history.LastOrDefault(r => r.Action == "issue")?.TimeUtc;
        string? replacedBy = null;
        if (document.ReplacedBy is { } r) replacedBy = (await Registry.GetAsync(r, ct).ConfigureAwait(false))?.VerificationCode;
        // Revoked and superseded documents keep their PDF (the issued one), so the page images stay valid.
        var facts = await Facts.GetAsync(document, ct).ConfigureAwait(false);
        return new PublicStatus(document, facts, issued, replacedBy, document.PdfSha256 is null ? 0 : facts.PageCount);
    }

    /// <summary>
    /// Verifies an uploaded PDF with read limits, then compares it with the registered result it
    /// claims to be: by <paramref name="code"/> when given, else by verification codes found in the
    /// file (the renderer writes the code into the uncompressed XMP metadata). The match rule is
    /// <see cref="RegistryMatch.Compare"/>; a file that names a registered code but does not match
    /// still reports that result, so the page can offer its original for download.
    /// </summary>
    public async Task<UploadVerification> VerifyUploadAsync(byte[] pdf, string? code, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        VerificationReport report;
        try
        {
            var policy = _runtime.VerificationPolicy;
            report = PdfSignatureVerifier.Verify(pdf, policy with
            {
                Revocation = policy.Revocation.Online is null ? policy.Revocation with { Online = Revocation } : policy.Revocation,
                Limits = new PdfReadLimits
                {
                    MaxFileBytes = _runtime.Options.MaxUploadBytes,
                    MaxObjects = 200_000,
                    MaxRevisions = 100,
                    MaxDecodedStreamBytes = 32 * 1024 * 1024,
                    MaxParseTime = TimeSpan.FromSeconds(5),
                },
            });
        }
        catch (SigningException e)
        {
            throw Refuse.Unacceptable("the file cannot be read as a PDF: " + e.Message, "file");
        }

        var candidates = code != null ? [code] : CodesIn(pdf);
        (PublicStatus View, IssuedResult Issued)? named = null;
        foreach (var candidate in candidates)
        {
            var view = await FindPublicAsync(candidate, ct).ConfigureAwait(false);
            if (view?.Document.PdfSha256 is null) continue;
            var result = IssuedResultOf(view);
            // Newest first: the issued original and every archive renewal after it are kept, and
            // a copy downloaded before a renewal is still that result.
            foreach (var sha in await IssuedVersionsAsync(view.Document, ct).ConfigureAwait(false))
            {
                var issued = await _runtime.Storage.Blobs.GetAsync(sha, ct).ConfigureAwait(false);
                var match = RegistryMatch.Compare(pdf, issued, report);
                if (match != RegistryMatchKind.None) return new UploadVerification(report with { Registry = new RegistryMatch(match, result) }, view);
            }
            named ??= (view, result);
        }

        return named is { } n
            ? new UploadVerification(report with { Registry = new RegistryMatch(RegistryMatchKind.None, n.Issued) }, n.View)
            : new UploadVerification(report with { Registry = new RegistryMatch(RegistryMatchKind.None, null) }, null);
    }

    /// <summary>
    /// The PDF versions of a result from its issue on, newest first: the sealed file that was
    /// issued, then each archive renewal (drafts and the head-signed file are not results).
    /// </summary>
    public async Task<IReadOnlyList<string>> IssuedVersionsAsync(DocumentRecord document, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(document);
        var versions = await Registry.GetPdfVersionsAsync(document.Id, ct).ConfigureAwait(false);
        var list = versions
            .Where(v => v.Status is DocumentStatus.Sealed or DocumentStatus.Issued or DocumentStatus.Revoked or DocumentStatus.Superseded)
            .OrderByDescending(v => v.Version)
            .Select(v => v.PdfSha256)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (document.PdfSha256 is { } current && !list.Contains(current)) list.Insert(0, current);
        return list;
    }

    /// <summary>Where the issued original of a code is downloaded: anyone who has the code may, as anyone may see its status.</summary>
    public string OriginalPath(string code) => $"/v/{VerificationCode.Normalize(code)}/original.pdf";

    /// <summary>The public facts of a result: the status JSON, and the registry part of an upload's report.</summary>
    public IssuedResult IssuedResultOf(PublicStatus v) => new()
    {
        VerificationCode = v.Document.VerificationCode,
        Status = v.Document.Status.ToName(),
        Reason = v.Document.EndReason,
        ReplacedBy = v.ReplacedByCode,
        IssuingAgency = v.Facts.IssuingAgency,
        DocumentType = v.Facts.DocumentType,
        Number = v.Facts.Number,
        Date = v.Facts.Date,
        IssuedUtc = v.IssuedUtc,
        Sha256 = v.Document.PdfSha256!,
        // Beside the page the QR code names ({base}/v/{code}), so a base with a path keeps it.
        OriginalUrl = _runtime.Options.VerificationBaseUrl.AbsoluteUri.TrimEnd('/') + OriginalPath(v.Document.VerificationCode),
        Pages = Enumerable.Range(1, v.PreviewPages).Select(n => $"/v/{v.Document.VerificationCode}/pages/{n}.png").ToArray(),
    };

    [GeneratedRegex("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();

    private static List<string> CodesIn(byte[] pdf) =>
        CodePattern().Matches(Encoding.Latin1.GetString(pdf)).Select(m => m.Value).Distinct(StringComparer.Ordinal).Take(10).ToList();

    /// <summary>Runs <paramref name="action"/> holding the document's registry lock (every instance on the registry waits for it).</summary>
    private async Task<T> WithDocumentLock<T>(Guid id, Func<Task<T>> action, CancellationToken ct)
    {
        await using var held = await _runtime.Storage.Locks.AcquireAsync(id, ct).ConfigureAwait(false);
        return await action().ConfigureAwait(false);
    }
}
