using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering;

/// <summary>What a scanner that is configured but gives no verdict (down, hung, broken) means for the message.</summary>
public enum ScannerDownAction
{
    /// <summary>451 4.7.1: the sender keeps the message and tries again. Nothing passes unscanned.</summary>
    TempFail,
    /// <summary>Accepted with <c>X-Virus-Status: Unscanned</c> or <c>X-Spam-Status: Unscanned</c> and a symbol that says so.</summary>
    AcceptUnscanned,
}

/// <summary>What happens to a message whose score reaches <see cref="FilteringOptions.JunkScore"/>.</summary>
public enum SpamAction
{
    /// <summary>Delivered to the inbox with <c>X-Spam-Status: Yes</c>: the user's own rules decide.</summary>
    Tag,
    /// <summary>Filed into the recipient's Junk folder (RFC 6154 \Junk), tagged.</summary>
    Junk,
    /// <summary>Held in the quarantine, listed in the daily digest, released by the user or an administrator.</summary>
    Quarantine,
    /// <summary>Refused at DATA with 550 5.7.1, before the 250: the sender learns of it and nothing vanishes.</summary>
    Reject,
}

/// <summary><c>Appliance:Filtering</c>: how the checks at DATA turn into what becomes of a message.</summary>
public sealed class FilteringOptions
{
    public const string Section = "Appliance:Filtering";

    /// <summary>Default <see cref="ScannerDownAction.TempFail"/>: a configured scanner that is down never lets mail pass silently.</summary>
    public ScannerDownAction ScannerDown { get; set; } = ScannerDownAction.TempFail;

    /// <summary>The score from which a message is spam. Default 5.0, SpamAssassin's own <c>required_score</c>.</summary>
    public double JunkScore { get; set; } = 5.0;

    /// <summary>Default <see cref="SpamAction.Junk"/>: spam is out of the inbox but a click away, never lost.</summary>
    public SpamAction SpamAction { get; set; } = SpamAction.Junk;

    /// <summary>
    /// A score so high the message is refused at DATA whatever <see cref="SpamAction"/> says. Default 0, off: a
    /// refusal is the sender's to notice, and most spam senders never read bounces.
    /// </summary>
    public double RejectScore { get; set; }

    /// <summary>
    /// Largest message whose DKIM and ARC signatures are verified; it is read into memory to hash. Default 26214400
    /// (25 MiB), the size limit of most providers; a larger message gets <c>dkim=neutral</c> ("too large to verify").
    /// </summary>
    public long MaxVerifyBytes { get; set; } = 25L << 20;

    /// <summary>Days a held message stays in the quarantine before it is deleted. Default 30.</summary>
    public int QuarantineDays { get; set; } = 30;

    /// <summary>
    /// Mail each user a daily digest of the messages held for them since the last one. Default true: held mail is
    /// never lost silently, and a user who is not told of it would never look.
    /// </summary>
    public bool DigestEnabled { get; set; } = true;

    /// <summary>The hour (0–23, the server's local time) the digest is sent. Default 7: read with the morning's mail.</summary>
    public int DigestHour { get; set; } = 7;

    /// <summary>
    /// Where the digest's links point: the console's address as users reach it, e.g. https://mail.example.com:8443.
    /// Default empty: https:// and the server's host name. A link opens the user's quarantine page after signing in;
    /// it carries no token that could release a message.
    /// </summary>
    public string DigestBaseUrl { get; set; } = "";
}

public sealed class FilteringOptionsValidator : IValidateOptions<FilteringOptions>
{
    public ValidateOptionsResult Validate(string? name, FilteringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string section = FilteringOptions.Section;
        if (!Enum.IsDefined(options.ScannerDown)) failures.Add($"{section}:ScannerDown must be TempFail or AcceptUnscanned (was {options.ScannerDown}).");
        if (!Enum.IsDefined(options.SpamAction)) failures.Add($"{section}:SpamAction must be Tag, Junk, Quarantine or Reject (was {options.SpamAction}).");
        if (!double.IsFinite(options.JunkScore) || options.JunkScore is < -100 or > 1000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:JunkScore must be from -100 to 1000 (was {options.JunkScore})."));
        }
        if (!double.IsFinite(options.RejectScore) || (options.RejectScore != 0 && options.RejectScore < options.JunkScore))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:RejectScore must be 0 (off) or at least JunkScore (was {options.RejectScore})."));
        }
        if (options.MaxVerifyBytes is < 64 * 1024 or > 1L << 30)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxVerifyBytes must be from 65536 to 1073741824 (was {options.MaxVerifyBytes})."));
        }
        if (options.QuarantineDays is < 1 or > 3650)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:QuarantineDays must be from 1 to 3650 (was {options.QuarantineDays})."));
        }
        if (options.DigestHour is < 0 or > 23)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:DigestHour must be from 0 to 23 (was {options.DigestHour})."));
        }
        if (options.DigestBaseUrl.Length > 0 && (!Uri.TryCreate(options.DigestBaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"{section}:DigestBaseUrl must be empty or an http or https URL (was '{options.DigestBaseUrl}').");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
