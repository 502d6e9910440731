using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Appliance.Filtering.Rules;

/// <summary>A rule the pages cannot save, as a resource key and its arguments for the user's language.</summary>
public sealed class RulesException(string key, params object[] arguments) : Exception(key)
{
    public string Key { get; } = key;

    public IReadOnlyList<object> Arguments { get; } = arguments;
}

/// <summary>
/// Writes <see cref="MailRules"/> as one Sieve script, and reads them back. The model travels in the script's first
/// line (<c># appliance-rules: {json}</c>), so the pages reload exactly what the user built; the script below it is
/// what delivery runs. Writing is deterministic, so a script whose text differs from what its own model writes was
/// changed by hand (over ManageSieve, say), and the pages open it in the script editor instead of overwriting it.
/// Order: out of office first (a filter's stop must not swallow the reply), then forwarding, then the rules in order.
/// </summary>
public static class RulesScript
{
    public const string Marker = "# appliance-rules: ";

    /// <summary>The longest text a form field may hold; the script as a whole is capped by the store.</summary>
    public const int MaxValueLength = 4000;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = false,
    };

    /// <summary>Reads the model from a script this class wrote; false for any other script.</summary>
    public static bool TryRead(string? script, out MailRules rules)
    {
        rules = new MailRules();
        if (script is null || !script.StartsWith(Marker, StringComparison.Ordinal))
        {
            return false;
        }
        int end = script.IndexOf('\n', StringComparison.Ordinal);
        var json = end < 0 ? script[Marker.Length..] : script[Marker.Length..end].TrimEnd('\r');
        try
        {
            rules = JsonSerializer.Deserialize<MailRules>(json, Json) ?? new MailRules();
            rules.Rules ??= [];
            rules.Forwarding ??= new();
            rules.OutOfOffice ??= new();
            return true;
        }
        catch (JsonException)
        {
            rules = new MailRules();
            return false;
        }
    }

    /// <summary>True when <paramref name="script"/> is exactly what its own model writes: nobody edited it by hand.</summary>
    public static bool IsOwn(string? script) =>
        TryRead(script, out var rules) && string.Equals(Write(rules), script, StringComparison.Ordinal);

    /// <summary>The script for these rules. Call <see cref="Validate"/> first: this writes whatever it is given.</summary>
    public static string Write(MailRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var body = new StringBuilder();
        var requires = new SortedSet<string>(StringComparer.Ordinal);
        var ooo = rules.OutOfOffice;
        var fwd = rules.Forwarding;
        var enabled = rules.Rules.Where(r => r.Enabled).ToList();
        int vacations = (ooo.Enabled ? 1 : 0) + enabled.Sum(r => r.Actions.Count(a => a.Kind == RuleActionKind.Reply));
        // RFC 5230 allows one vacation per run: with several, the first that applies wins, remembered in a variable.
        bool guard = vacations > 1;
        if (guard)
        {
            requires.Add("variables");
        }

        if (ooo.Enabled)
        {
            requires.Add("vacation");
            body.Append("# Out of office\n");
            var dates = new List<string>();
            if (ooo.Start is { } start)
            {
                dates.Add($"currentdate :value \"ge\" \"date\" {Quote(Date(start))}");
            }
            if (ooo.End is { } end)
            {
                dates.Add($"currentdate :value \"le\" \"date\" {Quote(Date(end))}");
            }
            if (dates.Count > 0)
            {
                requires.Add("date");
                requires.Add("relational");
            }
            var vacation = new StringBuilder("vacation :days ").Append(ooo.Days.ToString(CultureInfo.InvariantCulture));
            if (ooo.Subject.Length > 0)
            {
                vacation.Append(" :subject ").Append(Quote(ooo.Subject));
            }
            if (ooo.Addresses.Count > 0)
            {
                vacation.Append(" :addresses ").Append(QuoteList(ooo.Addresses));
            }
            vacation.Append(" :handle \"out-of-office\" ").Append(Quote(ooo.Message)).Append(';');
            var lines = Guarded(vacation.ToString(), guard);
            if (dates.Count == 0)
            {
                Lines(body, lines, "");
            }
            else
            {
                body.Append("if ").Append(dates.Count == 1 ? dates[0] : $"allof ({string.Join(", ", dates)})").Append(" {\n");
                Lines(body, lines, "    ");
                body.Append("}\n");
            }
        }

        if (fwd.Enabled && fwd.Addresses.Count > 0)
        {
            body.Append("# Forwarding\n");
            if (fwd.KeepCopy)
            {
                requires.Add("copy");
            }
            foreach (var address in fwd.Addresses)
            {
                body.Append(fwd.KeepCopy ? "redirect :copy " : "redirect ").Append(Quote(address)).Append(";\n");
            }
            if (!fwd.KeepCopy)
            {
                // Forward only: no filter may file a copy here after all.
                body.Append("stop;\n");
            }
        }

        int index = 0;
        foreach (var rule in rules.Rules)
        {
            index++;
            if (!rule.Enabled)
            {
                continue;
            }
            body.Append("# Rule ").Append(index.ToString(CultureInfo.InvariantCulture));
            if (rule.Name.Length > 0)
            {
                body.Append(": ").Append(OneLine(rule.Name));
            }
            body.Append('\n');
            var tests = rule.Conditions.Select(c => Test(c, requires)).ToList();
            var test = tests.Count switch
            {
                0 => "true",
                1 => tests[0],
                _ => $"{(rule.MatchAll ? "allof" : "anyof")} ({string.Join(", ", tests)})",
            };
            body.Append("if ").Append(test).Append(" {\n");
            // Flags first: imap4flags' addflag sets the flags the following fileinto and keep store with (RFC 5232 §3).
            var ordered = rule.Actions.Where(a => a.Kind is RuleActionKind.MarkRead or RuleActionKind.Flag)
                .Concat(rule.Actions.Where(a => a.Kind is not (RuleActionKind.MarkRead or RuleActionKind.Flag or RuleActionKind.Stop)))
                .Concat(rule.Actions.Where(a => a.Kind == RuleActionKind.Stop).Take(1));
            foreach (var action in ordered)
            {
                Lines(body, Action(action, index, guard, requires), "    ");
            }
            body.Append("}\n");
        }

        var script = new StringBuilder();
        script.Append(Marker).Append(JsonSerializer.Serialize(rules, Json)).Append('\n');
        script.Append("# Written by the Preferences pages (Filters, Forwarding, Out of office): edit it there.\n");
        script.Append("# A copy changed by hand is opened in the script editor instead of being overwritten.\n");
        if (requires.Count > 0)
        {
            script.Append("require ").Append(QuoteList(requires)).Append(";\n");
        }
        script.Append(body);
        return script.ToString();
    }

    /// <summary>Checks what the form cannot: values present, numbers in range, addresses and header names well formed.</summary>
    /// <exception cref="RulesException">The first problem, with the rule's number.</exception>
    public static void Validate(MailRules rules, int maxVacationDays = 30)
    {
        ArgumentNullException.ThrowIfNull(rules);
        int index = 0;
        foreach (var rule in rules.Rules)
        {
            index++;
            if (rule.Name.Length > 200)
            {
                throw new RulesException("Rules.Error.TooLong", index);
            }
            if (rule.Actions.Count == 0)
            {
                throw new RulesException("Rules.Error.NoActions", index);
            }
            foreach (var condition in rule.Conditions)
            {
                CheckCondition(condition, index);
            }
            foreach (var action in rule.Actions)
            {
                CheckAction(action, index);
            }
        }
        var fwd = rules.Forwarding;
        if (fwd.Enabled)
        {
            if (fwd.Addresses.Count == 0)
            {
                throw new RulesException("Forwarding.Error.NoAddress");
            }
            if (fwd.Addresses.Count > 10)
            {
                throw new RulesException("Forwarding.Error.TooMany", 10);
            }
            foreach (var address in fwd.Addresses)
            {
                if (!IsAddress(address))
                {
                    throw new RulesException("Forwarding.Error.BadAddress", address);
                }
            }
        }
        var ooo = rules.OutOfOffice;
        if (ooo.Enabled)
        {
            if (string.IsNullOrWhiteSpace(ooo.Message))
            {
                throw new RulesException("OutOfOffice.Error.NoMessage");
            }
            if (ooo.Message.Length > MaxValueLength || ooo.Subject.Length > 200)
            {
                throw new RulesException("OutOfOffice.Error.TooLong");
            }
            if (ooo.Start is { } start && ooo.End is { } end && end < start)
            {
                throw new RulesException("OutOfOffice.Error.Dates");
            }
            if (ooo.Days < 1 || ooo.Days > maxVacationDays)
            {
                throw new RulesException("OutOfOffice.Error.Days", maxVacationDays);
            }
            foreach (var address in ooo.Addresses)
            {
                if (!IsAddress(address))
                {
                    throw new RulesException("Forwarding.Error.BadAddress", address);
                }
            }
        }
    }

    /// <summary>Which comparisons a field offers: text fields compare text, size and spam level compare numbers.</summary>
    public static IReadOnlyList<RuleMatch> MatchesFor(RuleField field) => field switch
    {
        RuleField.Size => [RuleMatch.Over, RuleMatch.Under],
        RuleField.SpamScore => [RuleMatch.Over],
        _ => [RuleMatch.Contains, RuleMatch.Is, RuleMatch.Matches],
    };

    /// <summary>An addr-spec with a domain, as the interpreter's redirect accepts it.</summary>
    public static bool IsAddress(string? address) =>
        !string.IsNullOrWhiteSpace(address) && address.Length <= 254 && !address.Any(char.IsWhiteSpace)
        && MimeKit.MailboxAddress.TryParse(address, out var parsed) && !string.IsNullOrEmpty(parsed.Domain)
        && string.Equals(parsed.Address, address, StringComparison.OrdinalIgnoreCase);

    private static void CheckCondition(RuleCondition condition, int index)
    {
        if (!MatchesFor(condition.Field).Contains(condition.Match))
        {
            throw new RulesException("Rules.Error.Match", index);
        }
        if (condition.Field == RuleField.Header && !IsFieldName(condition.HeaderName))
        {
            throw new RulesException("Rules.Error.HeaderName", index, condition.HeaderName);
        }
        if (condition.Field is RuleField.Size or RuleField.SpamScore)
        {
            int max = condition.Field == RuleField.Size ? 1024 * 1024 : 9;
            int min = condition.Field == RuleField.Size ? 0 : 1;
            if (!int.TryParse(condition.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            {
                throw new RulesException("Rules.Error.Number", index, min, max);
            }
            return;
        }
        if (condition.Value.Length == 0)
        {
            throw new RulesException("Rules.Error.NoValue", index);
        }
        if (condition.Value.Length > MaxValueLength)
        {
            throw new RulesException("Rules.Error.TooLong", index);
        }
    }

    private static void CheckAction(RuleAction action, int index)
    {
        switch (action.Kind)
        {
            case RuleActionKind.MoveTo or RuleActionKind.CopyTo when string.IsNullOrWhiteSpace(action.Value):
                throw new RulesException("Rules.Error.NoFolder", index);
            case RuleActionKind.Forward when !IsAddress(action.Value):
                throw new RulesException("Forwarding.Error.BadAddress", action.Value);
            case RuleActionKind.Reply when string.IsNullOrWhiteSpace(action.Value):
                throw new RulesException("Rules.Error.NoReply", index);
        }
        if (action.Value.Length > MaxValueLength)
        {
            throw new RulesException("Rules.Error.TooLong", index);
        }
    }

    /// <summary>field-name = 1*ftext; ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8).</summary>
    private static bool IsFieldName(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => c is >= '!' and <= '~' && c != ':');

    private static string Test(RuleCondition condition, SortedSet<string> requires)
    {
        var match = condition.Match switch
        {
            RuleMatch.Is => ":is",
            RuleMatch.Matches => ":matches",
            _ => ":contains",
        };
        var value = Quote(condition.Value);
        switch (condition.Field)
        {
            case RuleField.From:
                // :is compares the address itself; :contains and :matches the whole field, so a name matches too.
                return condition.Match == RuleMatch.Is ? $"address :all :is \"from\" {value}" : $"header {match} \"from\" {value}";
            case RuleField.To:
                return condition.Match == RuleMatch.Is ? $"address :all :is [\"to\", \"cc\"] {value}" : $"header {match} [\"to\", \"cc\"] {value}";
            case RuleField.Subject:
                return $"header {match} \"subject\" {value}";
            case RuleField.Header:
                return $"header {match} {Quote(condition.HeaderName)} {value}";
            case RuleField.Body:
                requires.Add("body");
                return $"body :text {match} {value}";
            case RuleField.Size:
                return $"size {(condition.Match == RuleMatch.Under ? ":under" : ":over")} {condition.Value}K";
            default:
                // RFC 5235 §3.2: spamtest's level, 1 (clean) to 10 (certainly spam); 0, untested, is never over.
                requires.Add("spamtest");
                requires.Add("relational");
                return $"spamtest :value \"gt\" :comparator \"i;ascii-numeric\" {value}";
        }
    }

    private static List<string> Action(RuleAction action, int index, bool guard, SortedSet<string> requires)
    {
        switch (action.Kind)
        {
            case RuleActionKind.MoveTo:
                requires.Add("fileinto");
                return [$"fileinto {Quote(action.Value)};"];
            case RuleActionKind.CopyTo:
                requires.Add("fileinto");
                requires.Add("copy");
                return [$"fileinto :copy {Quote(action.Value)};"];
            case RuleActionKind.Forward:
                // A rule's forward keeps the message too: "Delete" is there for whoever wants it gone.
                requires.Add("copy");
                return [$"redirect :copy {Quote(action.Value)};"];
            case RuleActionKind.MarkRead:
                requires.Add("imap4flags");
                return ["addflag \"\\\\Seen\";"];
            case RuleActionKind.Flag:
                requires.Add("imap4flags");
                return ["addflag \"\\\\Flagged\";"];
            case RuleActionKind.Delete:
                return ["discard;"];
            case RuleActionKind.Reply:
                requires.Add("vacation");
                // Once a day per sender: an automatic answer, with vacation's care for lists and loops (RFC 3834).
                return Guarded($"vacation :days 1 :handle {Quote("rule-" + index.ToString(CultureInfo.InvariantCulture))} {Quote(action.Value)};", guard);
            default:
                return ["stop;"];
        }
    }

    private static List<string> Guarded(string vacation, bool guard) =>
        guard ? ["if string :is \"${replied}\" \"\" {", "    set \"replied\" \"1\";", "    " + vacation, "}"] : [vacation];

    private static void Lines(StringBuilder body, List<string> lines, string indent)
    {
        foreach (var line in lines)
        {
            body.Append(indent).Append(line).Append('\n');
        }
    }

    private static string Date(DateOnly date) => date.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture);

    /// <summary>A quoted string (RFC 5228 §2.4.2): backslash and double quote escaped; line breaks kept as CRLF.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.ReplaceLineEndings("\r\n");
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }
            builder.Append(c);
        }
        return builder.Append('"').ToString();
    }

    private static string QuoteList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";

    private static string OneLine(string text) => new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
}
