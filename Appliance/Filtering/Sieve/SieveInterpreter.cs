using System.Globalization;
using System.Text;
using MimeKit;

namespace Appliance.Filtering.Sieve;

/// <summary>
/// Runs a compiled <see cref="SieveScript"/> over one message and gives the actions delivery should take. Pure: it
/// reads the message and the context, and the only outside call is the vacation tracker. A runtime error or a
/// limit reached gives a result of "keep" with the error, so a broken script never loses mail (RFC 5228 §2.10.6).
/// </summary>
public sealed class SieveInterpreter(SieveOptions options)
{
    public SieveInterpreter()
        : this(new SieveOptions())
    {
    }

    public SieveOptions Options { get; } = options;

    public async ValueTask<SieveResult> RunAsync(SieveScript script, SieveContext context, CancellationToken cancellationToken = default)
    {
        var run = new SieveRun(script, context, Options);
        try
        {
            run.Execute(script.Commands, 0);
            var actions = run.Finish();
            if (run.PendingVacation is { } vacation)
            {
                var outcome = await VacationResponder.DecideAsync(vacation, context, Options, cancellationToken);
                if (outcome.Reply is { } reply)
                {
                    actions.Add(reply);
                }
                else
                {
                    run.Notes.Add(outcome.Reason);
                }
            }
            return new SieveResult(actions, null, run.Notes) { Stopped = run.Stopped };
        }
        catch (SieveRuntimeException e)
        {
            return Fallback(context, e.Message, run.Notes);
        }
    }

    /// <summary>The result of a script that could not run: keep, with the reason.</summary>
    public static SieveResult Fallback(SieveContext context, string error, IReadOnlyList<string>? notes = null) =>
        new([new SieveKeep(context.DefaultMailbox, [], Implicit: true)], error, notes ?? []);
}

/// <summary>The vacation command as the script gave it, with its strings expanded (RFC 5230 §4).</summary>
public sealed record SieveVacationRequest(
    string Reason, string? Subject, string? From, IReadOnlyList<string> Addresses, TimeSpan Interval, bool Mime, string Handle, int Line);

/// <summary>The state of one run: variables, flags, actions so far and the budget.</summary>
internal sealed class SieveRun
{
    private const string FlagsVariable = "\0flags";

    private readonly SieveScript _script;
    private readonly SieveContext _context;
    private readonly SieveOptions _options;
    private readonly SieveMatcher _matcher;
    private readonly bool _variables;
    private readonly Dictionary<string, string> _vars = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _matchVars = [];
    private readonly List<SieveAction> _actions = [];
    private readonly Dictionary<string, string> _bodyCache = new(StringComparer.Ordinal);
    private bool _implicitKeep = true;
    private bool _stopped;
    private int _redirects;

    public SieveRun(SieveScript script, SieveContext context, SieveOptions options)
    {
        _script = script;
        _context = context;
        _options = options;
        _matcher = new SieveMatcher(options);
        _variables = script.Extensions.Contains("variables");
        _vars[FlagsVariable] = "";
    }

    public List<string> Notes { get; } = [];

    public SieveVacationRequest? PendingVacation { get; private set; }

    /// <summary>Whether <c>stop</c> ran: scripts that would run after this one do not (RFC 5228 §3.3).</summary>
    public bool Stopped => _stopped;

    private static SieveRuntimeException Error(SieveNode node, string detail) => new(node.Line, detail);

    /// <summary>Runs a block; false once <c>stop</c> ran.</summary>
    public void Execute(IReadOnlyList<SieveNode> commands, int depth)
    {
        bool chainTaken = false;
        foreach (var command in commands)
        {
            if (_stopped)
            {
                return;
            }
            _matcher.Line = command.Line;
            _matcher.CheckClock();
            switch (command.Name)
            {
                case "require":
                    break;
                case "if":
                    chainTaken = Test(command.Tests[0], depth + 1);
                    if (chainTaken)
                    {
                        Execute(command.Block!, depth + 1);
                    }
                    break;
                case "elsif":
                    if (!chainTaken && Test(command.Tests[0], depth + 1))
                    {
                        chainTaken = true;
                        Execute(command.Block!, depth + 1);
                    }
                    break;
                case "else":
                    if (!chainTaken)
                    {
                        Execute(command.Block!, depth + 1);
                    }
                    chainTaken = true;
                    break;
                case "stop":
                    _stopped = true;
                    return;
                default:
                    Action(command);
                    break;
            }
        }
    }

    private void Add(SieveAction action)
    {
        // RFC 5228 §2.10.3: the same fileinto or redirect twice is done once.
        if (_actions.Contains(action))
        {
            return;
        }
        _actions.Add(action);
        if (_actions.Count > _options.MaxActions)
        {
            throw new SieveRuntimeException(action.Line, $"more than {_options.MaxActions} actions");
        }
    }

    private void Action(SieveNode node)
    {
        switch (node.Name)
        {
            case "keep":
                Add(new SieveKeep(_context.DefaultMailbox, ActionFlags(node), Implicit: false) { Line = node.Line });
                _implicitKeep = false;
                break;
            case "discard":
                Add(new SieveDiscard { Line = node.Line });
                _implicitKeep = false;
                break;
            case "fileinto":
            {
                var mailbox = Expand(node.PositionalStrings(0)[0]);
                bool copy = node.HasTag("copy");
                Add(new SieveFileInto(mailbox, ActionFlags(node), copy) { Line = node.Line });
                _implicitKeep &= copy;
                break;
            }
            case "redirect":
            {
                var address = Expand(node.PositionalStrings(0)[0]);
                if (!MailboxAddress.TryParse(address, out var parsed) || string.IsNullOrEmpty(parsed.Domain))
                {
                    throw Error(node, $"redirect to an invalid address '{address}'");
                }
                bool copy = node.HasTag("copy");
                var redirect = new SieveRedirect(parsed.Address, copy) { Line = node.Line };
                if (!_actions.Contains(redirect) && ++_redirects > _options.MaxRedirects)
                {
                    throw Error(node, $"more than {_options.MaxRedirects} redirects");
                }
                Add(redirect);
                _implicitKeep &= copy;
                break;
            }
            case "reject":
            case "ereject":
                Add(new SieveReject(Expand(node.PositionalStrings(0)[0]), node.Name == "ereject") { Line = node.Line });
                _implicitKeep = false;
                break;
            case "setflag":
            case "addflag":
            case "removeflag":
                Flags(node);
                break;
            case "set":
                Set(node);
                break;
            case "vacation":
                Vacation(node);
                break;
            default:
                throw Error(node, $"unknown command '{node.Name}'");
        }
    }

    // ---- imap4flags (RFC 5232) ----

    /// <summary>The flags of a keep or fileinto: its :flags, else the internal variable (RFC 5232 §5).</summary>
    private List<string> ActionFlags(SieveNode node) =>
        node.TagStrings("flags") is { } given ? FlagList(given.Select(Expand)) : FlagList([_vars[FlagsVariable]]);

    /// <summary>A flag list: space-separated flags, duplicates dropped ignoring case (RFC 5232 §3).</summary>
    private static List<string> FlagList(IEnumerable<string> strings)
    {
        var flags = new List<string>();
        foreach (var flag in strings.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!flags.Contains(flag, StringComparer.OrdinalIgnoreCase))
            {
                flags.Add(flag);
            }
        }
        return flags;
    }

    private void Flags(SieveNode node)
    {
        var variable = node.Positional.Count == 2 ? Expand(node.PositionalStrings(0)[0]) : FlagsVariable;
        var given = FlagList(node.PositionalStrings(node.Positional.Count - 1).Select(Expand));
        var current = FlagList([_vars.GetValueOrDefault(variable, "")]);
        var result = node.Name switch
        {
            "setflag" => given,
            "addflag" => FlagList([.. current, .. given]),
            _ => current.Where(f => !given.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList(),
        };
        SetVariable(node, variable, string.Join(' ', result));
    }

    // ---- variables (RFC 5229) ----

    private void SetVariable(SieveNode node, string name, string value)
    {
        if (!_vars.ContainsKey(name) && _vars.Count > _options.MaxVariables)
        {
            throw Error(node, $"more than {_options.MaxVariables} variables");
        }
        _vars[name] = value.Length > _options.MaxStringLength ? value[.._options.MaxStringLength] : value;
    }

    /// <summary>set [MODIFIER] name value; modifiers apply by precedence: :lower/:upper, :lowerfirst/:upperfirst, :quotewildcard, :length (§4.1).</summary>
    private void Set(SieveNode node)
    {
        var name = node.PositionalStrings(0)[0];
        var value = Expand(node.PositionalStrings(1)[0]);
        if (node.HasTag("lower"))
        {
            value = value.ToLowerInvariant();
        }
        if (node.HasTag("upper"))
        {
            value = value.ToUpperInvariant();
        }
        if (value.Length > 0 && node.HasTag("lowerfirst"))
        {
            value = char.ToLowerInvariant(value[0]) + value[1..];
        }
        if (value.Length > 0 && node.HasTag("upperfirst"))
        {
            value = char.ToUpperInvariant(value[0]) + value[1..];
        }
        if (node.HasTag("quotewildcard"))
        {
            var quoted = new StringBuilder(value.Length);
            foreach (char c in value)
            {
                if (c is '*' or '?' or '\\')
                {
                    quoted.Append('\\');
                }
                quoted.Append(c);
            }
            value = quoted.ToString();
        }
        if (node.HasTag("length"))
        {
            value = new StringInfo(value).LengthInTextElements.ToString(CultureInfo.InvariantCulture);
        }
        SetVariable(node, name, value);
    }

    /// <summary>Replaces ${name} and ${N} (RFC 5229 §3) once, left to right; anything else stays as written.</summary>
    private string Expand(string text)
    {
        if (!_variables || !text.Contains("${", StringComparison.Ordinal))
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int open = text.IndexOf("${", i, StringComparison.Ordinal);
            if (open < 0)
            {
                result.Append(text, i, text.Length - i);
                break;
            }
            result.Append(text, i, open - i);
            int close = text.IndexOf('}', open + 2);
            var name = close < 0 ? "" : text[(open + 2)..close];
            if (close < 0 || !Reference(name, out var value))
            {
                result.Append("${");
                i = open + 2;
                continue;
            }
            result.Append(value);
            i = close + 1;
            if (result.Length > _options.MaxStringLength)
            {
                return result.ToString(0, _options.MaxStringLength);
            }
        }
        return result.ToString();
    }

    private bool Reference(string name, out string value)
    {
        value = "";
        if (name.Length > 0 && name.All(char.IsAsciiDigit))
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < _matchVars.Count)
            {
                value = _matchVars[index];
            }
            return true;
        }
        if (name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            value = _vars.GetValueOrDefault(name, "");
            return true;
        }
        return false;
    }

    // ---- vacation (RFC 5230) ----

    private void Vacation(SieveNode node)
    {
        if (PendingVacation is not null)
        {
            throw Error(node, "vacation can be used only once per script");
        }
        var reason = Expand(node.PositionalStrings(0)[0]);
        var subject = node.TagString("subject") is { } s ? Expand(s) : null;
        var from = node.TagString("from") is { } f ? Expand(f) : null;
        var addresses = node.TagStrings("addresses")?.Select(Expand).ToList() ?? [];
        TimeSpan interval;
        if (node.TagNumber("seconds") is { } seconds)
        {
            interval = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, (long)_options.MaxVacationDays * 86400));
        }
        else
        {
            var days = node.TagNumber("days") ?? _options.DefaultVacationDays;
            interval = TimeSpan.FromDays(Math.Clamp(days, _options.MinVacationDays, _options.MaxVacationDays));
        }
        bool mime = node.HasTag("mime");
        // RFC 5230 §4.2: without :handle, replies with the same reason, subject and from count as one.
        var handle = node.TagString("handle") is { } h ? Expand(h) : $"{reason}\0{subject}\0{from}\0{mime}";
        PendingVacation = new SieveVacationRequest(reason, subject, from, addresses, interval, mime, handle, node.Line);
    }

    /// <summary>The final action list: conflicts checked (RFC 5429 §2.1), the implicit keep added (RFC 5228 §2.10.2).</summary>
    public List<SieveAction> Finish()
    {
        var rejects = _actions.OfType<SieveReject>().ToList();
        if (rejects.Count > 0)
        {
            if (rejects.Count > 1)
            {
                throw new SieveRuntimeException(rejects[1].Line, "only one reject per message");
            }
            var conflict = _actions.FirstOrDefault(a => a is SieveKeep or SieveFileInto or SieveRedirect);
            if (conflict is not null)
            {
                throw new SieveRuntimeException(Math.Max(conflict.Line, rejects[0].Line),
                    $"{(rejects[0].Extended ? "ereject" : "reject")} cannot be combined with {Describe(conflict)}");
            }
            if (PendingVacation is { } vacation)
            {
                throw new SieveRuntimeException(Math.Max(vacation.Line, rejects[0].Line), "reject cannot be combined with vacation");
            }
        }
        var actions = new List<SieveAction>(_actions);
        if (_implicitKeep)
        {
            var keep = new SieveKeep(_context.DefaultMailbox, FlagList([_vars[FlagsVariable]]), Implicit: true);
            // fileinto "INBOX" :copy and the implicit keep store once.
            if (!actions.Any(a => a is SieveFileInto f && string.Equals(f.Mailbox, keep.Mailbox, StringComparison.OrdinalIgnoreCase)))
            {
                actions.Add(keep);
            }
        }
        return actions;
    }

    private static string Describe(SieveAction action) => action switch
    {
        SieveKeep => "keep",
        SieveFileInto => "fileinto",
        SieveRedirect => "redirect",
        _ => action.GetType().Name,
    };

    // ---- tests ----

    private bool Test(SieveNode test, int depth)
    {
        _matcher.Line = test.Line;
        switch (test.Name)
        {
            case "true":
                return true;
            case "false":
                return false;
            case "not":
                return !Test(test.Tests[0], depth + 1);
            case "allof":
                foreach (var t in test.Tests)
                {
                    if (!Test(t, depth + 1))
                    {
                        return false;
                    }
                }
                return true;
            case "anyof":
                foreach (var t in test.Tests)
                {
                    if (Test(t, depth + 1))
                    {
                        return true;
                    }
                }
                return false;
            case "exists":
                return test.PositionalStrings(0).Select(Expand).All(name => _context.Message.Headers.Contains(name));
            case "size":
            {
                long size = _context.Size ?? MeasureSize();
                return test.TagNumber("over") is { } over ? size > over : size < test.TagNumber("under")!.Value;
            }
            case "header":
                return MatchAny(test, test.PositionalStrings(0).Select(Expand).SelectMany(HeaderValues), Keys(test, 1));
            case "address":
                return MatchAny(test, test.PositionalStrings(0).Select(Expand).SelectMany(name => HeaderAddresses(name, test.Match!.AddressPart)), Keys(test, 1));
            case "envelope":
                return MatchAny(test, test.PositionalStrings(0).Select(Expand).SelectMany(part => EnvelopeAddresses(part, test.Match!.AddressPart)), Keys(test, 1));
            case "body":
                return MatchAny(test, [BodyText(test)], Keys(test, 0));
            case "string":
            {
                var sources = test.PositionalStrings(0).Select(Expand).ToList();
                // RFC 5229 §5: :count counts the non-empty source strings.
                return MatchAny(test, test.Match!.Type == SieveMatchType.Count ? sources.Where(s => s.Length > 0) : sources, Keys(test, 1));
            }
            case "hasflag":
            {
                var variables = test.Positional.Count == 2 ? test.PositionalStrings(0).Select(Expand) : [FlagsVariable];
                var flags = FlagList(variables.Select(v => _vars.GetValueOrDefault(v, "")));
                return MatchAny(test, flags, Keys(test, test.Positional.Count - 1));
            }
            case "spamtest":
            {
                var value = test.HasTag("percent") ? _context.Spam.Percent : _context.Spam.Value;
                return MatchAny(test, [value.ToString(CultureInfo.InvariantCulture)], Keys(test, 0));
            }
            case "virustest":
                return MatchAny(test, [((int)_context.Virus).ToString(CultureInfo.InvariantCulture)], Keys(test, 0));
            case "currentdate":
            {
                var now = SieveDates.Now(_context.Time, test.TagString("zone") is { } zone ? Expand(zone) : null);
                // RFC 5260 §5: a date part unknown at run time (from a variable) makes the test false.
                var part = SieveDates.Part(now, Expand(test.PositionalStrings(0)[0]));
                return part is not null && MatchAny(test, [part], Keys(test, 1));
            }
            case "date":
            {
                var zone = test.TagString("zone") is { } z ? Expand(z) : null;
                if (SieveDates.HeaderDate(_context.Message, Expand(test.PositionalStrings(0)[0]), _context.Time, zone, test.HasTag("originalzone")) is not { } date)
                {
                    return false;
                }
                var part = SieveDates.Part(date, Expand(test.PositionalStrings(1)[0]));
                return part is not null && MatchAny(test, [part], Keys(test, 2));
            }
            default:
                throw Error(test, $"unknown test '{test.Name}'");
        }
    }

    private List<string> Keys(SieveNode test, int index) => test.PositionalStrings(index).Select(Expand).ToList();

    /// <summary>True when any value matches any key (RFC 5228 §2.7.1); :count compares the number of values instead.</summary>
    private bool MatchAny(SieveNode test, IEnumerable<string> values, List<string> keys)
    {
        var match = test.Match!;
        if (match.Type == SieveMatchType.Count)
        {
            int count = values.Count();
            return keys.Any(key => _matcher.Count(match, count, key));
        }
        var captures = match.Type == SieveMatchType.Matches && _variables ? new List<string>() : null;
        foreach (var value in values)
        {
            foreach (var key in keys)
            {
                if (_matcher.Matches(match, value, key, captures))
                {
                    if (captures is not null)
                    {
                        _matchVars.Clear();
                        _matchVars.AddRange(captures);
                    }
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The decoded, unfolded values of every field with this name (RFC 5228 §5.7).</summary>
    private IEnumerable<string> HeaderValues(string name)
    {
        foreach (var header in _context.Message.Headers)
        {
            if (string.Equals(header.Field, name, StringComparison.OrdinalIgnoreCase))
            {
                _matcher.Spend(header.RawValue.Length);
                yield return header.Value.Trim();
            }
        }
    }

    private IEnumerable<string> HeaderAddresses(string name, SieveAddressPart part)
    {
        foreach (var header in _context.Message.Headers)
        {
            if (!string.Equals(header.Field, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            _matcher.Spend(header.RawValue.Length);
            if (!InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
            {
                // An unparsable field is compared as it stands, as Pigeonhole does.
                yield return header.Value.Trim();
                continue;
            }
            foreach (var mailbox in list.Mailboxes)
            {
                yield return AddressPart(mailbox.Address, part);
            }
        }
    }

    private IEnumerable<string> EnvelopeAddresses(string part, SieveAddressPart addressPart)
    {
        var value = part.ToLowerInvariant() switch
        {
            "from" => _context.Envelope.From,
            "to" => _context.Envelope.To,
            "auth" => _context.Envelope.AuthUser,
            _ => null,
        };
        if (value is not null)
        {
            yield return AddressPart(value, addressPart);
        }
    }

    /// <summary>:all, :localpart or :domain of addr-spec (RFC 5228 §2.7.4); the null sender gives "" for each.</summary>
    private static string AddressPart(string address, SieveAddressPart part)
    {
        int at = address.LastIndexOf('@');
        return part switch
        {
            SieveAddressPart.LocalPart => at < 0 ? address : address[..at],
            SieveAddressPart.Domain => at < 0 ? "" : address[(at + 1)..],
            _ => address,
        };
    }

    private long MeasureSize()
    {
        using var counter = new MimeKit.IO.MeasuringStream();
        _context.Message.WriteTo(counter);
        return counter.Length;
    }

    // ---- body (RFC 5173) ----

    private string BodyText(SieveNode test)
    {
        string key = test.HasTag("raw") ? "raw" : test.TagStrings("content") is { } contentTypes ? "content:" + string.Join(',', contentTypes.Select(Expand)) : "text";
        if (_bodyCache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        string text;
        if (key == "raw")
        {
            // :raw is the body after the header, undecoded (§5.1).
            using var stream = new MemoryStream();
            _context.Message.Body?.WriteTo(FormatOptions.Default, stream, contentOnly: true);
            text = Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            if (_context.Message.Body is Multipart)
            {
                // A multipart's content is its parts with their headers: write them as they stand in the message.
                using var whole = new MemoryStream();
                _context.Message.Body.WriteTo(FormatOptions.Default, whole);
                text = Encoding.UTF8.GetString(whole.GetBuffer(), 0, (int)whole.Length);
                int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var e and >= 0 ? e + 4 : text.IndexOf("\n\n", StringComparison.Ordinal) + 2;
                text = end >= 2 ? text[end..] : text;
            }
        }
        else
        {
            var types = key == "text" ? ["text"] : test.TagStrings("content")!.Select(Expand).ToList();
            var builder = new StringBuilder();
            foreach (var part in key == "text" ? TextParts(_context.Message.Body) : _context.Message.BodyParts)
            {
                if (part is not MimePart leaf || !types.Any(t => ContentMatches(leaf.ContentType, t)))
                {
                    continue;
                }
                if (leaf is TextPart textPart)
                {
                    var body = textPart.Text ?? "";
                    // :text gives text: HTML parts are turned into their text (§5.2).
                    builder.Append(key == "text" && textPart.IsHtml ? Appliance.Mime.HtmlText.ToPlainText(body, _options.MaxStringLength * 4) : body);
                }
                else if (leaf.Content is { } content)
                {
                    using var decoded = new MemoryStream();
                    content.DecodeTo(decoded);
                    builder.Append(Encoding.Latin1.GetString(decoded.GetBuffer(), 0, (int)decoded.Length));
                }
                builder.Append("\r\n");
            }
            text = builder.ToString();
        }
        _matcher.Spend(text.Length);
        _bodyCache[key] = text;
        return text;
    }

    /// <summary>The parts :text reads: of a multipart/alternative only its text/plain version when it has one, as
    /// Pigeonhole does, since the alternatives say the same thing.</summary>
    private static IEnumerable<MimeEntity> TextParts(MimeEntity? entity)
    {
        if (entity is Multipart multipart)
        {
            var children = multipart.ContentType.IsMimeType("multipart", "alternative")
                && multipart.FirstOrDefault(c => c.ContentType.IsMimeType("text", "plain")) is { } plain
                ? [plain]
                : multipart.ToList();
            foreach (var child in children)
            {
                foreach (var part in TextParts(child))
                {
                    yield return part;
                }
            }
        }
        else if (entity is not null)
        {
            yield return entity;
        }
    }

    /// <summary>:content "type": "" matches any part, "text" any text/*, "text/plain" exactly (§5.3).</summary>
    private static bool ContentMatches(ContentType type, string wanted)
    {
        if (wanted.Length == 0)
        {
            return true;
        }
        int slash = wanted.IndexOf('/');
        return slash < 0
            ? string.Equals(type.MediaType, wanted, StringComparison.OrdinalIgnoreCase)
            : string.Equals(type.MimeType, wanted, StringComparison.OrdinalIgnoreCase);
    }
}
