using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Appliance.Mime;

namespace Appliance.Filtering.Uce;

/// <summary>What a rule sees of the SMTP envelope.</summary>
public sealed record UceEnvelope(string Sender, IReadOnlyList<string> Recipients, string Helo, string Client, string? ClientName);

/// <summary>Where a rule matched: "header Subject", "body line 12", "envelope from", and the text that matched (shortened).</summary>
public sealed record UceRuleMatch(UceRule Rule, string Where, string Excerpt);

/// <summary>All rules over one message: what matched, what timed out, and the strongest action asked for.</summary>
public sealed record UceRulesOutcome(UceRuleAction? Action, IReadOnlyList<UceRuleMatch> Matches, IReadOnlyList<UceRule> TimedOut)
{
    /// <summary>The rule that asked for <see cref="Action"/>, for the reply and the log.</summary>
    public UceRuleMatch? Decisive => Action is { } action ? Matches.First(m => m.Rule.Action == action) : null;
}

/// <summary>The console's "test a rule" answer.</summary>
public sealed record UceRuleTest(bool Matched, string? Where, string? Excerpt, string? Error);

/// <summary>
/// Header, body and envelope rules: case-insensitive .NET regular expressions, each match bounded by a timeout so
/// that a pattern that backtracks forever on a hostile message costs <c>RuleTimeoutMilliseconds</c>, never the session.
/// </summary>
public static class UceRules
{
    /// <summary>Decoded text of the body read per part, at most: a rule reads what a person sees, not a 50 MB attachment.</summary>
    public const int MaxBodyBytesPerPart = 256 * 1024;

    private static readonly ConcurrentDictionary<(string Pattern, TimeSpan Timeout), Regex> Compiled = new();

    /// <summary>Null if the pattern compiles, else the parser's message.</summary>
    public static string? PatternError(string pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return "empty pattern";
        try
        {
            _ = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static Regex Get(string pattern, TimeSpan timeout)
    {
        if (Compiled.Count > 10_000) Compiled.Clear();
        return Compiled.GetOrAdd((pattern, timeout), key => new Regex(key.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, key.Timeout));
    }

    /// <summary>
    /// Runs every enabled rule over the message and adds a <c>RULE_&lt;NAME&gt;</c> symbol to <paramref name="verdict"/> for each
    /// match (and <c>RULE_&lt;NAME&gt;_TIMEOUT</c>, 0 points, for one that ran out of time). The caller acts on <see cref="UceRulesOutcome.Action"/>.
    /// </summary>
    public static UceRulesOutcome Evaluate(IReadOnlyList<UceRule> rules, MimeMessage message, UceEnvelope envelope, Verdict verdict, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(verdict);
        var matches = new List<UceRuleMatch>();
        var timedOut = new List<UceRule>();
        IReadOnlyList<(string Where, string Text)>? body = null;
        foreach (var rule in rules.Where(r => r.Enabled && PatternError(r.Pattern) is null))
        {
            var texts = rule.Target == UceRuleTarget.Body ? body ??= BodyTexts(message) : Texts(rule, message, envelope);
            try
            {
                if (FirstMatch(rule, texts, timeout) is { } match)
                {
                    matches.Add(match);
                    verdict.Add(Symbol(rule), rule.Points, $"Rule '{rule.Name}' matched in {match.Where}", "rule");
                }
            }
            catch (RegexMatchTimeoutException)
            {
                timedOut.Add(rule);
                verdict.Add(Symbol(rule) + "_TIMEOUT", 0, $"Rule '{rule.Name}' ran out of time ({timeout.TotalMilliseconds:0} ms) and was skipped", "rule");
            }
        }
        UceRuleAction? action = matches.Count == 0 ? null : matches.Max(m => m.Rule.Action);
        return new UceRulesOutcome(action, matches, timedOut);
    }

    /// <summary>
    /// One rule against a message (for the console's test box: <see cref="UceGuard.TestRule"/> parses what was pasted) and, for
    /// envelope rules, an envelope: whether and where it matched, or why it could not run.
    /// </summary>
    public static UceRuleTest Test(UceRule rule, MimeMessage message, UceEnvelope? envelope, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(message);
        if (PatternError(rule.Pattern) is { } error) return new UceRuleTest(false, null, null, error);
        var texts = rule.Target == UceRuleTarget.Body ? BodyTexts(message) : Texts(rule, message, envelope ?? new UceEnvelope("", [], "", "", null));
        try
        {
            return FirstMatch(rule, texts, timeout) is { } match ? new UceRuleTest(true, match.Where, match.Excerpt, null) : new UceRuleTest(false, null, null, null);
        }
        catch (RegexMatchTimeoutException)
        {
            return new UceRuleTest(false, null, null, $"timed out after {timeout.TotalMilliseconds:0} ms");
        }
    }

    public static string Symbol(UceRule rule) =>
        "RULE_" + string.Concat(rule.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));

    private static UceRuleMatch? FirstMatch(UceRule rule, IReadOnlyList<(string Where, string Text)> texts, TimeSpan timeout)
    {
        var regex = Get(rule.Pattern, timeout);
        foreach (var (where, text) in texts)
        {
            var match = regex.Match(text);
            if (match.Success)
            {
                var excerpt = match.Value.Length > 80 ? match.Value[..80] + "…" : match.Value;
                return new UceRuleMatch(rule, where, excerpt);
            }
        }
        return null;
    }

    private static List<(string Where, string Text)> Texts(UceRule rule, MimeMessage message, UceEnvelope envelope)
    {
        var texts = new List<(string, string)>();
        if (rule.Target == UceRuleTarget.Header)
        {
            foreach (var field in message.Headers)
            {
                if (rule.Field.Length == 0)
                {
                    texts.Add(($"header {field.Name}", $"{field.Name}: {field.DecodedValue}"));
                }
                else if (field.Name.Equals(rule.Field, StringComparison.OrdinalIgnoreCase))
                {
                    texts.Add(($"header {field.Name}", field.DecodedValue));
                }
            }
            return texts;
        }
        switch (rule.Field.ToLowerInvariant())
        {
            case "from": texts.Add(("envelope from", envelope.Sender)); break;
            case "to": texts.AddRange(envelope.Recipients.Select(r => ("envelope to", r))); break;
            case "helo": texts.Add(("envelope helo", envelope.Helo)); break;
            case "client": texts.Add(("envelope client", envelope.Client)); break;
            case "client-name": if (envelope.ClientName is { } name) texts.Add(("envelope client-name", name)); break;
        }
        return texts;
    }

    /// <summary>The decoded text parts, line by line so that "where" can name the line.</summary>
    private static List<(string Where, string Text)> BodyTexts(MimeMessage message)
    {
        var texts = new List<(string, string)>();
        var part = 0;
        foreach (var entity in message.Entities.Where(e => !e.IsMultipart && e.ContentType.IsText))
        {
            part++;
            var text = entity.GetText(MaxBodyBytesPerPart, out _);
            if (entity.ContentType.MimeType == "text/html") text = HtmlText.ToPlainText(text);
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                texts.Add((part == 1 ? $"body line {i + 1}" : $"body part {part} line {i + 1}", lines[i].TrimEnd('\r')));
            }
        }
        return texts;
    }
}
