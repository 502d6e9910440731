using System.Diagnostics.CodeAnalysis;

namespace Appliance.Filtering.Scanning;

/// <summary>
/// One rule that hit, as spamd names it (<c>GTUBE</c>, <c>MISSING_DATE</c>). <see cref="Points"/> and
/// <see cref="Description"/> are known when the check used <see cref="SpamdCommand.Report"/>.
/// </summary>
public sealed record SpamSymbol(string Name, double? Points = null, string? Description = null);

/// <summary>spamd's verdict: its score against its threshold (<c>required_score</c>) and the rules that hit.</summary>
public sealed record SpamVerdict(bool IsSpam, double Score, double Threshold, IReadOnlyList<SpamSymbol> Symbols)
{
    /// <summary>rspamd's action (<c>no action</c>, <c>greylist</c>, <c>add header</c>, <c>rewrite subject</c>, <c>soft reject</c>, <c>reject</c>); null from spamd.</summary>
    public string? Action { get; init; }

    /// <summary>rspamd's <c>smtp_message</c>, when a rule gave one ("Gtube pattern"); null otherwise.</summary>
    public string? Message { get; init; }
}

/// <summary>What a spam check gave: a <see cref="Verdict"/>, or a <see cref="Failure"/> saying why there is none.</summary>
public sealed class SpamCheckResult
{
    private SpamCheckResult(SpamVerdict? verdict, ScanFailure? failure)
    {
        Verdict = verdict;
        Failure = failure;
    }

    public SpamVerdict? Verdict { get; }

    /// <summary>
    /// Set when there is no verdict. <see cref="ScanFailureKind.TooLarge"/> means the message was over
    /// <c>MaxMessageBytes</c> and was not sent: mark it unscanned (spamc does the same). Any other kind is temporary.
    /// </summary>
    public ScanFailure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Verdict))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsScored => Verdict is not null;

    public static SpamCheckResult Scored(SpamVerdict verdict) => new(verdict ?? throw new ArgumentNullException(nameof(verdict)), null);

    public static SpamCheckResult Failed(ScanFailure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));

    public override string ToString() => IsScored
        ? $"{(Verdict.IsSpam ? "spam" : "ham")} {Verdict.Score}/{Verdict.Threshold} [{string.Join(',', Verdict.Symbols.Select(s => s.Name))}]"
        : $"{Failure.Kind}: {Failure.Detail}";
}
