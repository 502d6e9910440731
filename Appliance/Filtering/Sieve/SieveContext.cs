namespace Appliance.Filtering.Sieve;

/// <summary>The SMTP envelope of one delivery (RFC 5228 §5.4): <see cref="From"/> is empty for the null sender <c>&lt;&gt;</c>.</summary>
public sealed record SieveEnvelope(string From, string To, string? AuthUser = null);

/// <summary>RFC 5235 §3.3: 0 not tested, 1 clean, 2 infected and cleaned, 3 possibly infected, 4 infected, 5 infected and kept.</summary>
public enum SieveVirusStatus { NotTested = 0, Clean = 1, Cleaned = 2, Suspected = 3, Infected = 4, InfectedUncleaned = 5 }

/// <summary>
/// The spam score the filters gave, on the scale spamtest reads (RFC 5235). <see cref="MaxScore"/> is the score that
/// means "certainly spam" (10 on spamtest's scale, 100 %), for example twice the Junk threshold.
/// </summary>
public sealed record SieveSpamStatus(double? Score, double MaxScore)
{
    public static SieveSpamStatus NotTested { get; } = new(null, 10);

    public static SieveSpamStatus From(Verdict verdict, double maxScore) => new(verdict.Score, maxScore);

    /// <summary>spamtest's value: "0" untested, else 1 + 9·score/max cut to 1…10, as Pigeonhole's "score" status type gives it.</summary>
    public int Value => Score is not { } score ? 0 : (int)Math.Clamp(Math.Floor(1 + 9 * score / MaxScore), 1, 10);

    /// <summary>spamtest :percent's value (RFC 5235 §3.2): 100·score/max rounded and cut to 0…100; 0 also when untested.</summary>
    public int Percent => Score is not { } score ? 0 : (int)Math.Clamp(Math.Round(100 * score / MaxScore, MidpointRounding.AwayFromZero), 0, 100);
}

/// <summary>Everything a script may look at for one delivery, besides the message itself.</summary>
public sealed class SieveContext
{
    public SieveContext(MimeKit.MimeMessage message, SieveEnvelope envelope)
    {
        Message = message;
        Envelope = envelope;
    }

    public MimeKit.MimeMessage Message { get; }

    public SieveEnvelope Envelope { get; }

    /// <summary>The message's size in octets for <c>size</c>; measured from <see cref="Message"/> when not given.</summary>
    public long? Size { get; init; }

    public SieveSpamStatus Spam { get; init; } = SieveSpamStatus.NotTested;

    public SieveVirusStatus Virus { get; init; } = SieveVirusStatus.NotTested;

    /// <summary>The user's own addresses (RFC 5230 §4.5): no vacation reply to them; the envelope recipient is added implicitly.</summary>
    public IReadOnlyList<string> UserAddresses { get; init; } = [];

    /// <summary>Remembers vacation replies already sent; required when the script uses vacation.</summary>
    public IVacationTracker? VacationTracker { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The mailbox keep files into (RFC 5228 §4.3).</summary>
    public string DefaultMailbox { get; init; } = "INBOX";
}
