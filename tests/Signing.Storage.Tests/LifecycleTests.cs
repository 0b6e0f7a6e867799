using Signing.Core;
using Signing.Core.Documents;

namespace Signing.Storage.Tests;

/// <summary>The lifecycle rules alone, without a database.</summary>
public sealed class LifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 5, 1, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(5);

    private static DocumentRecord Doc(DocumentStatus status, DocumentFailure? failure = null) => new()
    {
        Id = Guid.NewGuid(),
        VerificationCode = "ABCD-1234",
        DossierCode = "000.00.15.H29-260305-0001",
        Template = "giay-chung-nhan",
        Status = status,
        SignerId = status == DocumentStatus.Draft ? null : "head:binh",
        Failure = failure,
        CreatedUtc = T0,
        UpdatedUtc = T0,
        Version = 7,
    };

    public static TheoryData<DocumentStatus, string> Legal => new()
    {
        { DocumentStatus.Draft, "send" },
        { DocumentStatus.Draft, "fail" },
        { DocumentStatus.AwaitingSignature, "send" },
        { DocumentStatus.AwaitingSignature, "sign" },
        { DocumentStatus.AwaitingSignature, "fail" },
        { DocumentStatus.Signed, "seal" },
        { DocumentStatus.Signed, "fail" },
        { DocumentStatus.Sealed, "issue" },
        { DocumentStatus.Sealed, "fail" },
        { DocumentStatus.Issued, "revoke" },
        { DocumentStatus.Issued, "supersede" },
    };

    private static readonly string[] AllActions = ["send", "sign", "seal", "issue", "revoke", "supersede", "fail", "retry"];

    private static DocumentTransition Make(string action) => action switch
    {
        "send" => DocumentTransition.SendForSignature("head:cuong"),
        "sign" => DocumentTransition.MarkSigned(),
        "seal" => DocumentTransition.MarkSealed(),
        "issue" => DocumentTransition.Issue(),
        "revoke" => DocumentTransition.Revoke("issued in error"),
        "supersede" => DocumentTransition.Supersede("corrected"),
        "fail" => DocumentTransition.Fail("TSA unreachable", retryable: true),
        "retry" => DocumentTransition.Retry(),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    [Theory]
    [MemberData(nameof(Legal))]
    public void A_legal_transition_moves_the_status_and_bumps_version_and_time(DocumentStatus from, string action)
    {
        var transition = Make(action);
        var next = Lifecycle.Apply(Doc(from), transition, T1);
        Assert.Equal(transition.Target, next.Status);
        Assert.Equal(8, next.Version);
        Assert.Equal(T1, next.UpdatedUtc);
        Assert.Equal(T0, next.CreatedUtc);
    }

    [Fact]
    public void Every_other_pair_is_refused_with_a_clear_message()
    {
        var legal = Legal.Select(row => ((DocumentStatus)row[0], (string)row[1])).ToHashSet();
        var refused = 0;
        foreach (var from in Enum.GetValues<DocumentStatus>())
        {
            foreach (var action in AllActions.Where(a => !legal.Contains((from, a))))
            {
                var ex = Assert.Throws<IllegalTransitionException>(() => Lifecycle.Apply(Doc(from), Make(action), T1));
                Assert.StartsWith($"document ABCD-1234 is {from.ToName()} and cannot go to ", ex.Message, StringComparison.Ordinal);
                Assert.IsAssignableFrom<SigningException>(ex);
                refused++;
            }
        }

        Assert.Equal(8 * AllActions.Length - 11, refused);
    }

    [Fact]
    public void The_message_lists_what_is_allowed()
    {
        var ex = Assert.Throws<IllegalTransitionException>(() => Lifecycle.Apply(Doc(DocumentStatus.Draft), DocumentTransition.Issue(), T1));
        Assert.Equal("document ABCD-1234 is draft and cannot go to issued: allowed: awaiting_signature, failed", ex.Message);
        var final = Assert.Throws<IllegalTransitionException>(() => Lifecycle.Apply(Doc(DocumentStatus.Revoked), DocumentTransition.Issue(), T1));
        Assert.EndsWith("it is final", final.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sending_sets_the_signer_and_resending_to_the_same_head_is_refused()
    {
        var waiting = Lifecycle.Apply(Doc(DocumentStatus.Draft), DocumentTransition.SendForSignature("head:binh"), T1);
        Assert.Equal("head:binh", waiting.SignerId);
        var moved = Lifecycle.Apply(waiting, DocumentTransition.SendForSignature("head:cuong"), T1);
        Assert.Equal("head:cuong", moved.SignerId);
        Assert.Throws<IllegalTransitionException>(() => Lifecycle.Apply(moved, DocumentTransition.SendForSignature("head:cuong"), T1));
    }

    [Fact]
    public void A_failure_remembers_where_it_happened_and_retry_returns_there()
    {
        var failed = Lifecycle.Apply(Doc(DocumentStatus.Sealed), DocumentTransition.Fail("TSA unreachable", retryable: true), T1);
        Assert.Equal(new DocumentFailure("TSA unreachable", true, DocumentStatus.Sealed), failed.Failure);
        Assert.False(Lifecycle.IsTerminal(failed));

        var retried = Lifecycle.Apply(failed, DocumentTransition.Retry(), T1);
        Assert.Equal(DocumentStatus.Sealed, retried.Status);
        Assert.Null(retried.Failure);
        Assert.Equal(9, retried.Version);
    }

    [Fact]
    public void A_final_failure_cannot_be_retried()
    {
        var failed = Lifecycle.Apply(Doc(DocumentStatus.Signed), DocumentTransition.Fail("signer certificate revoked", retryable: false), T1);
        Assert.True(Lifecycle.IsTerminal(failed));
        var ex = Assert.Throws<IllegalTransitionException>(() => Lifecycle.Apply(failed, DocumentTransition.Retry(), T1));
        Assert.Equal("document ABCD-1234 is failed and cannot go to retry: its failure is final (signer certificate revoked)", ex.Message);
    }

    [Fact]
    public void Revoke_and_supersede_keep_their_reason_and_end_the_life()
    {
        var revoked = Lifecycle.Apply(Doc(DocumentStatus.Issued), DocumentTransition.Revoke("issued in error"), T1);
        Assert.Equal("issued in error", revoked.EndReason);
        Assert.True(Lifecycle.IsTerminal(revoked));
        Assert.True(Lifecycle.IsTerminal(Lifecycle.Apply(Doc(DocumentStatus.Issued), DocumentTransition.Supersede("corrected"), T1)));
        Assert.False(Lifecycle.IsTerminal(Doc(DocumentStatus.Issued)));
    }

    [Fact]
    public void Reasons_and_signers_are_required()
    {
        Assert.Equal("reason is required", Assert.Throws<SigningException>(() => DocumentTransition.Revoke(" ")).Message);
        Assert.Throws<SigningException>(() => DocumentTransition.Fail("", retryable: true));
        Assert.Throws<SigningException>(() => DocumentTransition.SendForSignature(""));
    }

    [Fact]
    public void Status_names_round_trip_and_unknown_names_are_refused()
    {
        foreach (var s in Enum.GetValues<DocumentStatus>()) Assert.Equal(s, DocumentStatusNames.Parse(s.ToName()));
        Assert.Throws<SigningException>(() => DocumentStatusNames.Parse("archived"));
    }
}
