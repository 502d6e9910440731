using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary><c>Appliance:Filtering:Rspamd</c>: where rspamd's normal worker (or its proxy) answers its HTTP API.</summary>
public sealed class RspamdOptions
{
    public const string Section = "Appliance:Filtering:Rspamd";

    /// <summary>Check mail with rspamd. Default false: rspamd is a separate Debian package. Once on, an rspamd that is down or hangs is a temporary failure, never a pass.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The worker's base URL; <c>/checkv2</c> and <c>/ping</c> are requested under it. Default http://127.0.0.1:11333,
    /// where Debian's rspamd normal worker listens (its proxy, 11332, speaks the same API).
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:11333";

    /// <summary>
    /// The whole request for one message. Default 60 s: rspamd gives up on a task itself after its <c>task_timeout</c>
    /// (8 s in Debian's options.inc), so this only bounds a worker that hangs; the sender waits up to 10 minutes for
    /// our answer to its DATA (RFC 5321 §4.5.3.2.6).
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Largest message sent; a larger one is not sent and its result is <see cref="ScanFailureKind.TooLarge"/> (marked
    /// unscanned). Default 52428800 (50 MiB), rspamd's own <c>max_message</c>, beyond which it refuses the task.
    /// </summary>
    public long MaxMessageBytes { get; set; } = 50L << 20;

    /// <summary>
    /// Sent as the <c>Password</c> header, which rspamd's proxy and controller may require (their <c>password</c>
    /// option); the normal worker needs none. Default empty: not sent.
    /// </summary>
    public string Password { get; set; } = "";
}

public sealed class RspamdOptionsValidator : IValidateOptions<RspamdOptions>
{
    public ValidateOptionsResult Validate(string? name, RspamdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string section = RspamdOptions.Section;
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Query.Length > 0)
        {
            failures.Add($"{section}:Url must be an http or https URL without a query (was '{options.Url}').");
        }
        ScannerOptionRules.CheckTimeout(failures, section, options.Timeout);
        if (options.MaxMessageBytes is < 1024 or > 1L << 30)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxMessageBytes must be between 1024 and 1073741824 (was {options.MaxMessageBytes})."));
        }
        // The value goes on one line of the request: a line break would inject a header.
        if (options.Password.Any(char.IsControl) || options.Password.Length > 256)
        {
            failures.Add($"{section}:Password must be at most 256 characters without control characters.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
