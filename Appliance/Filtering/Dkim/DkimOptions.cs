using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Dkim;

/// <summary><c>Appliance:Dkim</c>: how outgoing mail is signed and how much work an incoming signature may cost.</summary>
public sealed class DkimOptions
{
    public const string Section = "Appliance:Dkim";

    /// <summary>
    /// Most DKIM-Signature fields verified in one message, newest (topmost) first; the rest are counted, not checked.
    /// Default 5: the author's domain, a mailing list, an ESP and a forwarder or two. Each signature costs a DNS
    /// lookup and a hash of the whole body, so a message with hundreds (a "signature bomb", RFC 6376 §8.4) must not
    /// cost hundreds of both.
    /// </summary>
    public int MaxSignatures { get; set; } = 5;

    /// <summary>Smallest RSA key accepted from DNS. Default 1024: RFC 8301 §3.2 forbids treating a smaller key's signature as valid.</summary>
    public int MinRsaKeyBits { get; set; } = 1024;

    /// <summary>
    /// Largest RSA key accepted from DNS. Default 8192: RFC 8301 §3.2 asks verifiers to handle up to 4096; beyond
    /// 8192 no real signer goes, and only the verifier pays for the size.
    /// </summary>
    public int MaxRsaKeyBits { get; set; } = 8192;

    /// <summary>
    /// The time allowed to verify all of one message's signatures, DNS lookups included; what is unfinished then is a
    /// temperror. Default 15 s: the resolver gives up on one lookup after its own timeout × attempts (4 s by default),
    /// and an SMTP client waits minutes after DATA (RFC 5321 §4.5.3.2.6 suggests 10), so this stays well inside that.
    /// </summary>
    public int VerificationTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// Days a key replaced by <see cref="DkimKeyStore.Rotate"/> stays on disk and in the records to publish. Default 30:
    /// a message signed just before the rotation can sit in a queue for days (Appliance:Delivery:MessageLifetimeHours
    /// allows up to 30) and be verified on arrival, and DNS caches must have let go of the old record.
    /// </summary>
    public int RotationGraceDays { get; set; } = 30;

    /// <summary>
    /// The p= of the DMARC record the domain page asks to publish: <c>quarantine</c> (default) or <c>none</c>. Default
    /// quarantine: with our DKIM signatures aligned, a forged From should land in Junk at the big providers; <c>none</c>
    /// only reports, and the record check warns about it.
    /// </summary>
    public string DmarcPolicy { get; set; } = "quarantine";

    /// <summary>
    /// The local part of the rua= reporting address in that record, at the domain itself. Default <c>postmaster</c>:
    /// RFC 5321 §4.5.1 makes every mail domain accept it, so aggregate reports reach someone without a new mailbox;
    /// set <c>dmarc-reports</c> (and create that alias) to keep the daily reports apart.
    /// </summary>
    public string DmarcReportLocalPart { get; set; } = "postmaster";

    /// <summary>
    /// Header fields signed when present (RFC 6376 §5.4.1's list, less the trace and resent fields). From is also
    /// signed once more than it occurs ("oversigned") so that no From can be added above it later.
    /// </summary>
    public List<string> SignedHeaders { get; set; } =
        ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References", "MIME-Version", "Content-Type"];
}

public sealed class DkimOptionsValidator : IValidateOptions<DkimOptions>
{
    /// <summary>Fields RFC 6376 §5.4 says not to sign: they are added or removed in transit.</summary>
    private static readonly string[] NeverSigned = ["Return-Path", "Received", "Comments", "Keywords", "Bcc", "Resent-Bcc", "DKIM-Signature"];

    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = DkimOptions.Section;
        if (options.MaxSignatures is < 1 or > 50)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxSignatures must be between 1 and 50 (was {options.MaxSignatures})."));
        }
        if (options.MinRsaKeyBits is < 1024 or > 4096)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MinRsaKeyBits must be between 1024 (RFC 8301) and 4096 (was {options.MinRsaKeyBits})."));
        }
        if (options.MaxRsaKeyBits < Math.Max(options.MinRsaKeyBits, 4096) || options.MaxRsaKeyBits > 16384)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxRsaKeyBits must be at least 4096 (RFC 8301) and MinRsaKeyBits, and at most 16384 (was {options.MaxRsaKeyBits})."));
        }
        if (options.VerificationTimeoutSeconds is < 1 or > 300)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:VerificationTimeoutSeconds must be between 1 and 300 (was {options.VerificationTimeoutSeconds})."));
        }
        if (options.RotationGraceDays is < 1 or > 365)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:RotationGraceDays must be between 1 and 365 (was {options.RotationGraceDays})."));
        }
        if (options.DmarcPolicy is not ("quarantine" or "none"))
        {
            failures.Add($"{section}:DmarcPolicy must be quarantine or none (was '{options.DmarcPolicy}').");
        }
        if (string.IsNullOrEmpty(options.DmarcReportLocalPart) || !options.DmarcReportLocalPart.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+'))
        {
            failures.Add($"{section}:DmarcReportLocalPart must be a plain local part such as postmaster (was '{options.DmarcReportLocalPart}').");
        }
        if (!options.SignedHeaders.Any(h => string.Equals(h, "From", StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add($"{section}:SignedHeaders must include From (RFC 6376 §5.4).");
        }
        foreach (var header in options.SignedHeaders)
        {
            if (string.IsNullOrWhiteSpace(header) || header.Any(c => c <= ' ' || c > '~' || c == ':'))
            {
                failures.Add($"{section}:SignedHeaders has an entry that is not a header field name: '{header}'.");
            }
            else if (NeverSigned.Contains(header, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{section}:SignedHeaders must not include {header} (RFC 6376 §5.4: it changes in transit).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
