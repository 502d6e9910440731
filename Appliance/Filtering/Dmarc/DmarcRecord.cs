using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Appliance.Filtering.Dmarc;

/// <summary>The p= and sp= values (RFC 7489 §6.3), least strict first, so that pct sampling can step one down (§6.6.4).</summary>
public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}

/// <summary>adkim= and aspf= (RFC 7489 §6.3): relaxed (organisational domains equal) or strict (names equal).</summary>
public enum DmarcAlignment
{
    Relaxed,
    Strict,
}

/// <summary>
/// A DMARC policy record (RFC 7489 §6.3) as published at <c>_dmarc.&lt;domain&gt;</c>. Tags the receiver does not
/// know are ignored; a bad value of an optional tag falls back to its default (§6.3: "syntax errors in the remainder
/// of the record SHOULD be discarded in favor of default values"), and is listed in <see cref="Warnings"/>.
/// </summary>
public sealed record DmarcRecord
{
    /// <summary>The longest TXT record considered; a real one is well under 1 KiB, and the parser must not take megabytes from a hostile zone.</summary>
    public const int MaxLength = 8192;

    public DmarcPolicy Policy { get; init; }

    /// <summary>sp=: the policy for subdomains of the domain that published the record; null when absent (p then applies).</summary>
    public DmarcPolicy? SubdomainPolicy { get; init; }

    public DmarcAlignment DkimAlignment { get; init; } = DmarcAlignment.Relaxed;

    public DmarcAlignment SpfAlignment { get; init; } = DmarcAlignment.Relaxed;

    /// <summary>pct=: the percentage of failing messages the policy applies to (0–100, default 100).</summary>
    public int Percent { get; init; } = 100;

    /// <summary>rua=: where aggregate reports go (absolute URIs, size limits dropped).</summary>
    public IReadOnlyList<string> AggregateReportUris { get; init; } = [];

    /// <summary>ruf=: where failure reports go.</summary>
    public IReadOnlyList<string> FailureReportUris { get; init; } = [];

    /// <summary>fo=: when failure reports are asked for (0, 1, d, s; default 0).</summary>
    public IReadOnlyList<string> FailureOptions { get; init; } = ["0"];

    /// <summary>ri=: seconds between aggregate reports (default 86400).</summary>
    public long ReportInterval { get; init; } = 86400;

    /// <summary>
    /// True when p= was missing or invalid (or sp= invalid) and the record is used as p=none because rua= names a
    /// valid reporting address (§6.6.3 step 6).
    /// </summary>
    public bool PolicyFallback { get; init; }

    /// <summary>The tags whose values were not understood and were replaced by defaults.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// Whether a TXT record is a DMARC record at all: it starts with the version tag <c>v=DMARC1</c> (§6.4
    /// dmarc-version: "v" *WSP "=" *WSP "DMARC1", case-sensitive), followed by the end or a semicolon.
    /// Discovery (§6.6.3) discards every other record before counting.
    /// </summary>
    public static bool IsDmarcRecord(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.AsSpan().TrimStart(" \t");
        if (s.IsEmpty || s[0] != 'v')
        {
            return false;
        }
        s = s[1..].TrimStart(" \t");
        if (s.IsEmpty || s[0] != '=')
        {
            return false;
        }
        s = s[1..].TrimStart(" \t");
        if (!s.StartsWith("DMARC1", StringComparison.Ordinal))
        {
            return false;
        }
        s = s["DMARC1".Length..].TrimStart(" \t");
        return s.IsEmpty || s[0] == ';';
    }

    /// <summary>
    /// Parses a record (§6.4 dmarc-record): <c>v=DMARC1</c> first, then <c>tag=value</c> pairs separated by
    /// semicolons. False with a reason when the text is not a usable record: not DMARC1, too long, a tag without
    /// "=", a known tag given twice, or no valid p= (nor sp=) and no valid rua= to fall back on (§6.6.3 step 6).
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out DmarcRecord? record, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        record = null;
        error = "";
        if (text.Length > MaxLength)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"the record is longer than {MaxLength} characters");
            return false;
        }
        if (!IsDmarcRecord(text))
        {
            error = "the record does not start with v=DMARC1";
            return false;
        }
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var parts = text.Split(';');
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i].Trim(' ', '\t');
            if (part.Length == 0)
            {
                // "v=DMARC1; p=none;" ends with a separator; empty parts carry nothing.
                continue;
            }
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"'{Shorten(part)}' is not a tag=value pair";
                return false;
            }
            var name = part[..equals].TrimEnd(' ', '\t');
            var value = part[(equals + 1)..].Trim(' ', '\t');
            if (name.Equals("v", StringComparison.OrdinalIgnoreCase))
            {
                error = "v= appears more than once";
                return false;
            }
            if (!tags.TryAdd(name, value) && IsKnown(name))
            {
                error = $"the tag {name.ToLowerInvariant()}= appears more than once";
                return false;
            }
        }

        var warnings = new List<string>();
        var rua = tags.TryGetValue("rua", out var ruaText) ? ParseUris(ruaText, "rua", warnings) : [];
        var ruf = tags.TryGetValue("ruf", out var rufText) ? ParseUris(rufText, "ruf", warnings) : [];

        var policy = DmarcPolicy.None;
        var fallback = false;
        DmarcPolicy? subdomainPolicy = null;
        var policyValid = tags.TryGetValue("p", out var pText) && TryParsePolicy(pText, out policy);
        if (!policyValid)
        {
            policy = DmarcPolicy.None;
        }
        var subdomainValid = true;
        if (tags.TryGetValue("sp", out var spText))
        {
            subdomainValid = TryParsePolicy(spText, out var sp);
            subdomainPolicy = subdomainValid ? sp : null;
        }
        if (!policyValid || !subdomainValid)
        {
            var what = !policyValid ? (pText is null ? "the record has no p= tag" : $"p={Shorten(pText)} is not none, quarantine or reject")
                : $"sp={Shorten(spText!)} is not none, quarantine or reject";
            if (rua.Count == 0)
            {
                error = what + ", and no valid rua= to fall back on p=none";
                return false;
            }
            // §6.6.3 step 6: act as if "v=DMARC1; p=none" had been published, and go on (reports still go out).
            policy = DmarcPolicy.None;
            subdomainPolicy = null;
            fallback = true;
            warnings.Add(what + "; treated as p=none because rua= is present");
        }

        record = new DmarcRecord
        {
            Policy = policy,
            SubdomainPolicy = subdomainPolicy,
            DkimAlignment = Alignment(tags, "adkim", warnings),
            SpfAlignment = Alignment(tags, "aspf", warnings),
            Percent = ParsePercent(tags, warnings),
            AggregateReportUris = rua,
            FailureReportUris = ruf,
            FailureOptions = FailureOptionsOf(tags, warnings),
            ReportInterval = Interval(tags, warnings),
            PolicyFallback = fallback,
            Warnings = warnings,
        };
        return true;
    }

    private static bool IsKnown(string name) =>
        name.ToLowerInvariant() is "p" or "sp" or "np" or "adkim" or "aspf" or "pct" or "rua" or "ruf" or "fo" or "rf" or "ri";

    private static bool TryParsePolicy(string value, out DmarcPolicy policy)
    {
        // The ABNF's quoted strings ("none" / "quarantine" / "reject") are case-insensitive (RFC 5234 §2.3).
        switch (value.ToLowerInvariant())
        {
            case "none":
                policy = DmarcPolicy.None;
                return true;
            case "quarantine":
                policy = DmarcPolicy.Quarantine;
                return true;
            case "reject":
                policy = DmarcPolicy.Reject;
                return true;
            default:
                policy = DmarcPolicy.None;
                return false;
        }
    }

    private static DmarcAlignment Alignment(Dictionary<string, string> tags, string tag, List<string> warnings)
    {
        if (!tags.TryGetValue(tag, out var value))
        {
            return DmarcAlignment.Relaxed;
        }
        switch (value.ToLowerInvariant())
        {
            case "r":
                return DmarcAlignment.Relaxed;
            case "s":
                return DmarcAlignment.Strict;
            default:
                warnings.Add($"{tag}={Shorten(value)} is not r or s; relaxed is used");
                return DmarcAlignment.Relaxed;
        }
    }

    private static int ParsePercent(Dictionary<string, string> tags, List<string> warnings)
    {
        if (!tags.TryGetValue("pct", out var value))
        {
            return 100;
        }
        // dmarc-percent = "pct" *WSP "=" *WSP 1*3DIGIT, at most 100.
        if (value.Length is >= 1 and <= 3 && value.All(char.IsAsciiDigit) && int.Parse(value, CultureInfo.InvariantCulture) is var percent and <= 100)
        {
            return percent;
        }
        warnings.Add($"pct={Shorten(value)} is not a number from 0 to 100; 100 is used");
        return 100;
    }

    private static long Interval(Dictionary<string, string> tags, List<string> warnings)
    {
        if (!tags.TryGetValue("ri", out var value))
        {
            return 86400;
        }
        if (value.Length is >= 1 and <= 10 && value.All(char.IsAsciiDigit))
        {
            return long.Parse(value, CultureInfo.InvariantCulture);
        }
        warnings.Add($"ri={Shorten(value)} is not a number of seconds; 86400 is used");
        return 86400;
    }

    private static IReadOnlyList<string> FailureOptionsOf(Dictionary<string, string> tags, List<string> warnings)
    {
        if (!tags.TryGetValue("fo", out var value))
        {
            return ["0"];
        }
        var options = value.Split(':').Select(o => o.Trim(' ', '\t').ToLowerInvariant()).ToArray();
        if (options.Length > 0 && options.All(o => o is "0" or "1" or "d" or "s"))
        {
            return options;
        }
        warnings.Add($"fo={Shorten(value)} is not a list of 0, 1, d and s; 0 is used");
        return ["0"];
    }

    /// <summary>dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ], comma-separated; an invalid URI is dropped with a warning.</summary>
    private static List<string> ParseUris(string value, string tag, List<string> warnings)
    {
        var uris = new List<string>();
        foreach (var item in value.Split(','))
        {
            var text = item.Trim(' ', '\t');
            var bang = text.LastIndexOf('!');
            if (bang > 0 && IsSizeLimit(text.AsSpan(bang + 1)))
            {
                text = text[..bang];
            }
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme.Length > 0 && !text.Contains(' ', StringComparison.Ordinal))
            {
                uris.Add(text);
            }
            else if (text.Length > 0)
            {
                warnings.Add($"{tag}: '{Shorten(text)}' is not a URI; ignored");
            }
        }
        return uris;
    }

    private static bool IsSizeLimit(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        if (text[^1] is 'k' or 'm' or 'g' or 't' or 'K' or 'M' or 'G' or 'T')
        {
            text = text[..^1];
        }
        return !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
