using System.Diagnostics;
using System.Globalization;

namespace Signing.Agent.Bridge;

/// <summary>Where a batch asked for by the console page stands.</summary>
public enum BatchState
{
    /// <summary>The agent's terminal asks for the PIN; nothing is signed yet.</summary>
    WaitingForPin,
    Signing,
    Finished,
}

/// <summary>One document of a batch as the page shows it.</summary>
public sealed record BatchDocument(Guid Id, string? Code, string Outcome, string? Error);

/// <summary>What the page polls: done/total, the document on the token, the rate, the ETA and each document's result.</summary>
public sealed record BatchProgress(
    Guid Id, string State, int Total, int Done, int Signed, int Refused, int Pending, string? Current,
    double RatePerSecond, double? EtaSeconds, double ElapsedSeconds, string? StopReason, IReadOnlyList<BatchDocument> Documents);

/// <summary>
/// A batch the console page asked for, run by the shared <see cref="BatchSigner"/>. It is both
/// the signer's progress sink and the page's view of it; every member is safe to call from the
/// listener's threads while the batch runs.
/// </summary>
public sealed class BridgeBatch : IBatchProgress
{
    private readonly Lock _gate = new();
    private readonly List<Guid> _order;
    private readonly Dictionary<Guid, BatchDocument> _documents;
    private readonly Action<string> _line;
    private BatchState _state = BatchState.WaitingForPin;
    private long _signingStarted;
    private int _done;
    private string? _current;
    private string? _stopReason;
    private TimeSpan? _elapsed;

    public BridgeBatch(IReadOnlyList<Guid> documents, Action<string> line)
    {
        ArgumentNullException.ThrowIfNull(documents);
        Id = Guid.NewGuid();
        _order = documents.Distinct().ToList();
        _documents = _order.ToDictionary(id => id, id => new BatchDocument(id, null, "pending", null));
        _line = line;
    }

    public Guid Id { get; }

    public CancellationTokenSource Stop { get; } = new();

    public IReadOnlyList<Guid> Requested => _order;

    public bool IsFinished
    {
        get { lock (_gate) return _state == BatchState.Finished; }
    }

    /// <summary>The queue has been read: name each document by its code, and refuse what is not in the queue.</summary>
    public void Resolved(IReadOnlyList<QueueItem> selection)
    {
        lock (_gate)
        {
            foreach (var item in selection) _documents[item.Id] = _documents[item.Id] with { Code = item.VerificationCode };
            foreach (var id in _order.Where(id => selection.All(i => i.Id != id)))
            {
                _documents[id] = _documents[id] with { Outcome = "refused", Error = "not in your queue (already signed, or not yours)" };
                _done++;
            }
        }
    }

    /// <summary>The PIN was accepted: the token signs from now on.</summary>
    public void LoggedIn()
    {
        lock (_gate)
        {
            _state = BatchState.Signing;
            _signingStarted = Stopwatch.GetTimestamp();
        }
    }

    public void Signing(QueueItem item)
    {
        lock (_gate) _current = item.VerificationCode;
    }

    public void Finished(DocumentResult result, int done, int total)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            if (_state == BatchState.WaitingForPin) LoggedIn();
            _documents[result.Item.Id] = new BatchDocument(result.Item.Id, result.Item.VerificationCode, Name(result.Outcome), result.Error);
            _done++;
        }

        _line(result.Outcome == DocumentOutcome.Signed
            ? $"[{done}/{total}] {result.Item.VerificationCode} signed"
            : $"[{done}/{total}] {result.Item.VerificationCode} NOT signed: {result.Error}");
    }

    /// <summary>The batch is over: signed, refused, or stopped with <paramref name="reason"/> (the rest stays pending).</summary>
    public void End(string? reason, TimeSpan elapsed)
    {
        lock (_gate)
        {
            _state = BatchState.Finished;
            _current = null;
            _stopReason ??= reason;
            _elapsed = elapsed;
        }
    }

    public BatchProgress Snapshot()
    {
        lock (_gate)
        {
            var docs = _order.Select(id => _documents[id]).ToList();
            var signed = docs.Count(d => d.Outcome == "signed");
            var refused = docs.Count(d => d.Outcome == "refused");
            var elapsed = _elapsed?.TotalSeconds ?? (_signingStarted == 0 ? 0 : Stopwatch.GetElapsedTime(_signingStarted).TotalSeconds);
            var rate = elapsed > 0 ? signed / elapsed : 0;
            double? eta = _state == BatchState.Signing && rate > 0 ? (docs.Count - _done) / rate : null;
            return new BatchProgress(Id, _state switch
            {
                BatchState.WaitingForPin => "waiting_for_pin",
                BatchState.Signing => "signing",
                _ => "finished",
            }, docs.Count, _done, signed, refused, docs.Count - signed - refused, _current, Math.Round(rate, 2), eta is { } e ? Math.Round(e, 1) : null,
                Math.Round(elapsed, 1), _stopReason, docs);
        }
    }

    public string Summary()
    {
        var p = Snapshot();
        return string.Create(CultureInfo.InvariantCulture, $"signed {p.Signed}, refused {p.Refused}, still pending {p.Pending}") + (p.StopReason is { } r ? " — " + r : "");
    }

    private static string Name(DocumentOutcome outcome) => outcome switch
    {
        DocumentOutcome.Signed => "signed",
        DocumentOutcome.Refused => "refused",
        _ => "pending",
    };
}
