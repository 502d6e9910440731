using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Dmarc;

/// <summary><c>Appliance:Dmarc</c>: how far a domain's DMARC policy is honoured, and where the Public Suffix List is.</summary>
public sealed class DmarcOptions
{
    public const string Section = "Appliance:Dmarc";

    /// <summary>
    /// Refuse at DATA (550 5.7.1) a message that fails a domain's p=reject. Default true: the issue asks for it, and a
    /// refusal tells the sender, where a silent drop would not. False files it into Junk instead.
    /// </summary>
    public bool HonourReject { get; set; } = true;

    /// <summary>File into Junk a message that fails a domain's p=quarantine. Default true; false delivers it to the Inbox (the verdict still shows the failure).</summary>
    public bool HonourQuarantine { get; set; } = true;

    /// <summary>
    /// What to do with a message whose From cannot be checked: none, several From fields, or addresses in several
    /// domains. Default Reject: RFC 7489 §6.6.1 notes such messages are "typically rejected", since the mail DMARC
    /// protects never looks like that, and RFC 5322 §3.6 allows exactly one From field. Accept, Quarantine or Reject.
    /// </summary>
    public DmarcDisposition InvalidFromDisposition { get; set; } = DmarcDisposition.Reject;

    /// <summary>
    /// What becomes of a message with no From field at all. Default Accept (with the DMARC_BAD_FROM symbol's points):
    /// it claims no domain, so it forges none, and scanners, printers and scripts in offices still send such mail;
    /// Postfix and Dovecot accept it too. Quarantine or Reject (as Gmail does) for a stricter door.
    /// </summary>
    public DmarcDisposition MissingFromDisposition { get; set; } = DmarcDisposition.Accept;

    /// <summary>The Public Suffix List file. Default empty: <c>&lt;app folder&gt;/assets/public_suffix_list.dat</c>, the copy shipped with the app.</summary>
    public string PublicSuffixListPath { get; set; } = "";

    /// <summary>
    /// Use the list's private section too (<c>blogspot.com</c>, <c>github.io</c>). Default true: each name there is
    /// run by a different owner, so <c>a.github.io</c> must not align with <c>b.github.io</c>.
    /// </summary>
    public bool IncludePrivateSuffixes { get; set; } = true;

    public string ResolvedPublicSuffixListPath => PublicSuffixListPath.Length > 0 ? PublicSuffixListPath : PublicSuffixList.DefaultPath;
}

public sealed class DmarcOptionsValidator : IValidateOptions<DmarcOptions>
{
    public ValidateOptionsResult Validate(string? name, DmarcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Enum.IsDefined(options.MissingFromDisposition))
        {
            failures.Add($"{DmarcOptions.Section}:MissingFromDisposition must be Accept, Quarantine or Reject (was {options.MissingFromDisposition}).");
        }
        if (!Enum.IsDefined(options.InvalidFromDisposition))
        {
            failures.Add($"{DmarcOptions.Section}:InvalidFromDisposition must be Accept, Quarantine or Reject (was {options.InvalidFromDisposition}).");
        }
        if (!File.Exists(options.ResolvedPublicSuffixListPath))
        {
            failures.Add($"{DmarcOptions.Section}:PublicSuffixListPath: the Public Suffix List is not at '{options.ResolvedPublicSuffixListPath}'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
