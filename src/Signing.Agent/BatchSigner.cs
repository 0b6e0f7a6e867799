using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Signing.Pades;
using Signing.Core;
using Signing.Cms;
using Signing.Validation;

namespace Signing.Agent;

public enum DocumentOutcome
{
    /// <summary>Still in the queue: not reached, or stopped before the service committed the signature.</summary>
    Pending,
    Signed,
    /// <summary>Refused by the service or by our checks; the document is unchanged.</summary>
    Refused,
}

public sealed record DocumentResult(QueueItem Item, DocumentOutcome Outcome, string? Error = null);

public sealed record BatchResult(IReadOnlyList<DocumentResult> Documents, string? StopReason, TimeSpan Elapsed, TimeSpan TokenTime)
{
    public int Signed => Documents.Count(d => d.Outcome == DocumentOutcome.Signed);

    public int Refused => Documents.Count(d => d.Outcome == DocumentOutcome.Refused);

    public int Pending => Documents.Count(d => d.Outcome == DocumentOutcome.Pending);
}

/// <summary>What the batch tells the screen as it goes (called from several threads, one call at a time).</summary>
public interface IBatchProgress
{
    /// <summary>The token is about to sign <paramref name="item"/> (the "current document" of a progress bar).</summary>
    void Signing(QueueItem item)
    {
    }

    void Finished(DocumentResult result, int done, int total);
}

public sealed record BatchOptions
{
    /// <summary>Try the PIN even when the token says one try is left (a wrong one locks it).</summary>
    public bool AllowFinalTry { get; init; }

    /// <summary>Documents prepared and checked ahead of the token, so the network never waits on it.</summary>
    public int Lookahead { get; init; } = 2;
}

/// <summary>
/// Signs a batch with one login: documents are prepared and checked ahead of the token, signed on
/// the token one at a time, and completed behind it. A document is signed only when the service
/// commits its completion, so an interruption leaves each one signed or still pending. A stop
/// request (Ctrl-C) stops taking new documents and lets the ones already signed complete.
/// </summary>
public sealed class BatchSigner(ISigningService service, IHeadToken token, string enrolledCertificateSha256, BatchOptions? options = null)
{
    private readonly BatchOptions _options = options ?? new BatchOptions();

    /// <summary>Refuses before the PIN is asked when the token is locked or one wrong try would lock it.</summary>
    public static void CheckPinState(PinState state, bool allowFinalTry, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(warn);
        switch (state)
        {
            case PinState.Locked:
                throw new SigningException("The token's PIN is locked; nothing was signed. Your certificate provider (CA) or IT must unlock it with the SO PIN.");
            case PinState.FinalTry when !allowFinalTry:
                throw new SigningException("Only one PIN try is left: a wrong PIN would lock the token. Nothing was signed. Run again with --allow-final-try if you are sure of the PIN, or ask IT.");
            case PinState.FinalTry:
                warn("One PIN try is left: a wrong PIN locks the token.");
                break;
            case PinState.CountLow:
                warn("The token reports few PIN tries left.");
                break;
        }
    }

    public async Task<BatchResult> RunAsync(IReadOnlyList<QueueItem> items, IBatchProgress progress, Action<string> warn, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(progress);
        var watch = Stopwatch.StartNew();
        if (!string.Equals(Convert.ToHexString(SHA256.HashData(token.Certificate.RawData)), enrolledCertificateSha256, StringComparison.OrdinalIgnoreCase))
            throw new SigningException("The token's certificate is not the enrolled one; nothing was signed.");
        CheckPinState(token.ReadPinState(), _options.AllowFinalTry, warn);
        token.Login(); // a wrong PIN ends here, before any document is touched

        var results = items.ToDictionary(i => i.Id, i => new DocumentResult(i, DocumentOutcome.Pending));
        var gate = new Lock();
        var done = 0;
        string? stopReason = null;
        var tokenTicks = 0L;
        using var fatal = CancellationTokenSource.CreateLinkedTokenSource(stop);

        void Record(DocumentResult r)
        {
            lock (gate)
            {
                results[r.Item.Id] = r;
                done++;
                progress.Finished(r, done, items.Count);
            }
        }

        void Stop(string reason)
        {
            lock (gate) stopReason ??= reason;
            fatal.Cancel();
        }

        var toSign = Channel.CreateBounded<(QueueItem Item, PreparedHash Prepared)>(Math.Max(1, _options.Lookahead));
        var toComplete = Channel.CreateBounded<(QueueItem Item, PreparedHash Prepared, byte[] Value)>(Math.Max(1, _options.Lookahead));

        // Preparing and completing run a few documents at once (the service handles documents in
        // parallel); the token signs one at a time.
        var workers = Math.Max(1, _options.Lookahead);
        var preparing = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = fatal.Token }, async (item, ct) =>
                {
                    PreparedHash prepared;
                    try
                    {
                        prepared = await PrepareAndCheckAsync(item, ct).ConfigureAwait(false);
                    }
                    catch (ServiceRefusedException e)
                    {
                        Record(new DocumentResult(item, DocumentOutcome.Refused, e.Message)); // e.g. revoked or re-assigned meanwhile
                        return;
                    }
                    catch (TamperingException e)
                    {
                        Record(new DocumentResult(item, DocumentOutcome.Refused, e.Message));
                        Stop($"stopped: the service sent something that does not match what you were shown ({item.VerificationCode}). Nothing further was signed; tell IT.");
                        return;
                    }

                    await toSign.Writer.WriteAsync((item, prepared), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (fatal.IsCancellationRequested)
            {
            }
            catch (SigningException e)
            {
                Stop("stopped: " + e.Message);
            }
            finally
            {
                toSign.Writer.Complete();
            }
        });

        var signing = Task.Run(async () =>
        {
            try
            {
                await foreach (var (item, prepared) in toSign.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    if (fatal.IsCancellationRequested) continue; // drain: prepared but unsigned stays pending
                    progress.Signing(item);
                    var started = Stopwatch.GetTimestamp();
                    var value = token.Sign(prepared.Hash, prepared.Scheme);
                    Interlocked.Add(ref tokenTicks, Stopwatch.GetTimestamp() - started);
                    await toComplete.Writer.WriteAsync((item, prepared, value), CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (SigningException e)
            {
                Stop("stopped: " + e.Message);
                await foreach (var _ in toSign.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                {
                }
            }
            finally
            {
                toComplete.Writer.Complete();
            }
        });

        // Completion is not cancelled by a stop request: a value the token already made is delivered.
        var completing = Parallel.ForEachAsync(toComplete.Reader.ReadAllAsync(CancellationToken.None), new ParallelOptions { MaxDegreeOfParallelism = workers }, async (signed, _) =>
        {
            var (item, prepared, value) = signed;
            try
            {
                var status = await service.CompleteAsync(item.Id, prepared.RequestId, prepared.Nonce, value, CancellationToken.None).ConfigureAwait(false);
                Record(status == "signed"
                    ? new DocumentResult(item, DocumentOutcome.Signed)
                    : new DocumentResult(item, DocumentOutcome.Refused, $"the service answered status '{status}'"));
            }
            catch (ServiceRefusedException e)
            {
                Record(new DocumentResult(item, DocumentOutcome.Refused, e.Message));
            }
            catch (SigningException e)
            {
                Stop("stopped: " + e.Message);
            }
        });

        await Task.WhenAll(preparing, signing, completing).ConfigureAwait(false);
        if (stopReason is null && stop.IsCancellationRequested) stopReason = "stopped at your request";
        return new BatchResult(items.Select(i => results[i.Id]).ToList(), stopReason, watch.Elapsed, Stopwatch.GetElapsedTime(0, tokenTicks));
    }

    /// <summary>
    /// Everything the agent can check before the token signs: the draft is the registered file and
    /// states the summary shown; the prepared answer names that summary, draft and certificate; and
    /// the hash is the hash of a signature by this certificate over this draft.
    /// </summary>
    private async Task<PreparedHash> PrepareAndCheckAsync(QueueItem item, CancellationToken ct)
    {
        var draft = await service.DraftAsync(item.Id, ct).ConfigureAwait(false);
        var prepared = await service.PrepareAsync(item.Id, ct).ConfigureAwait(false);
        try
        {
            DraftFacts.Check(draft, item.DraftSha256, item.Summary);
            if (prepared.Summary != item.Summary) throw new SigningException($"The summary sent with the hash differs from the one shown for {item.VerificationCode}.");
            if (!string.Equals(prepared.DraftSha256, item.DraftSha256, StringComparison.OrdinalIgnoreCase))
                throw new SigningException($"The hash for {item.VerificationCode} was prepared over another draft than the one shown.");
            if (!string.Equals(prepared.CertificateSha256, enrolledCertificateSha256, StringComparison.OrdinalIgnoreCase))
                throw new SigningException($"The hash for {item.VerificationCode} was prepared for another certificate than yours.");
            PreparedSignatureCheck.Check(draft, prepared.Revision, prepared.ByteRange, prepared.Hash, token.Certificate);
        }
        catch (SigningException e) when (e is not ServiceRefusedException and not ServiceUnreachableException)
        {
            throw new TamperingException(e.Message);
        }

        return prepared;
    }
}

/// <summary>What the service sent does not belong to what the head was shown: never signed.</summary>
public sealed class TamperingException(string message) : SigningException(message);
