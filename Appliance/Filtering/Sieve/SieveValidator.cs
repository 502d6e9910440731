namespace Appliance.Filtering.Sieve;

/// <summary>
/// Checks a parsed script against <see cref="SieveGrammar"/>: known commands and tests, <c>require</c> first and naming
/// only known extensions, every extension used also required (RFC 5228 §3.2), tags before positional arguments with the
/// right values, one tag per group, and the comparator and match type of each test resolved into <see cref="SieveMatch"/>.
/// </summary>
public sealed class SieveValidator
{
    private readonly HashSet<string> _required = new(StringComparer.Ordinal);

    private SieveValidator()
    {
    }

    public static IReadOnlySet<string> Validate(List<SieveNode> commands)
    {
        var validator = new SieveValidator();
        validator.Block(commands, topLevel: true);
        return validator._required;
    }

    private static SieveSyntaxException Error(SieveNode node, string detail) => new(node.Line, node.Column, detail);

    private static SieveSyntaxException Error(SieveArgument argument, string detail) => new(argument.Line, argument.Column, detail);

    private bool Has(string extension) =>
        _required.Contains(extension) || (extension == "spamtest" && _required.Contains("spamtestplus"));

    private void Block(List<SieveNode> commands, bool topLevel)
    {
        bool requiresAllowed = topLevel;
        string? previous = null;
        foreach (var command in commands)
        {
            if (command.Name == "require")
            {
                if (!requiresAllowed)
                {
                    throw Error(command, "'require' must come before any other command");
                }
                Require(command);
                previous = command.Name;
                continue;
            }
            requiresAllowed = false;
            if (!SieveGrammar.Commands.TryGetValue(command.Name, out var signature))
            {
                throw Error(command, SieveGrammar.Tests.ContainsKey(command.Name)
                    ? $"'{command.Name}' is a test, not a command"
                    : $"unknown command '{command.Name}'");
            }
            if (command.Name is "elsif" or "else" && previous is not ("if" or "elsif"))
            {
                throw Error(command, $"'{command.Name}' must follow 'if' or 'elsif'");
            }
            Node(command, signature);
            if (command.Block is { } block)
            {
                Block(block, topLevel: false);
            }
            previous = command.Name;
        }
    }

    private void Require(SieveNode command)
    {
        Node(command, SieveGrammar.Commands["require"]);
        var list = (SieveStringArgument)command.Positional[0];
        foreach (var name in list.Values)
        {
            var extension = name.ToLowerInvariant();
            if (!SieveGrammar.Extensions.Contains(extension))
            {
                throw Error(list, $"unknown extension '{name}'");
            }
            _required.Add(extension);
        }
    }

    private void Node(SieveNode node, SieveSignature signature)
    {
        if (signature.Extension is { } extension && !Has(extension))
        {
            throw Error(node, $"'{node.Name}' needs the \"{extension}\" extension (add require \"{extension}\")");
        }
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        for (; i < node.Arguments.Count && node.Arguments[i] is SieveTagArgument tag; i++)
        {
            var spec = Array.Find(signature.Tags, t => t.Name == tag.Name)
                ?? throw Error(tag, $"unknown tag ':{tag.Name}' for '{node.Name}'");
            if (spec.Extension is { } tagExtension && !Has(tagExtension))
            {
                throw Error(tag, $"':{tag.Name}' needs the \"{tagExtension}\" extension (add require \"{tagExtension}\")");
            }
            if (node.Tags.ContainsKey(tag.Name))
            {
                throw Error(tag, $"':{tag.Name}' given twice");
            }
            if (spec.Group is { } group)
            {
                if (groups.TryGetValue(group, out var other))
                {
                    throw Error(tag, $"':{tag.Name}' cannot be combined with ':{other}'");
                }
                groups[group] = tag.Name;
            }
            SieveArgument? value = null;
            if (spec.Value != SieveValueKind.None)
            {
                if (i + 1 >= node.Arguments.Count || !Fits(node.Arguments[i + 1], spec.Value))
                {
                    throw Error(tag, $"':{tag.Name}' needs {Describe(spec.Value)}");
                }
                value = node.Arguments[++i];
            }
            node.Tags[tag.Name] = value;
        }
        for (; i < node.Arguments.Count; i++)
        {
            var argument = node.Arguments[i];
            if (argument is SieveTagArgument late)
            {
                throw Error(late, $"tag ':{late.Name}' must come before the other arguments of '{node.Name}'");
            }
            node.Positional.Add(argument);
        }
        foreach (var group in signature.RequiredGroups ?? [])
        {
            if (!groups.ContainsKey(group))
            {
                throw Error(node, $"'{node.Name}' needs one of {string.Join(", ", signature.Tags.Where(t => t.Group == group).Select(t => ":" + t.Name))}");
            }
        }
        int max = signature.Positional.Length, min = max - signature.OptionalLeading;
        if (node.Positional.Count < min || node.Positional.Count > max)
        {
            var at = node.Positional.Count > max ? (object)node.Positional[max] : node;
            var detail = $"'{node.Name}' takes {(min == max ? min.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{min} or {max}")} argument{(max == 1 ? "" : "s")}, not {node.Positional.Count}";
            throw at is SieveArgument a ? Error(a, detail) : Error(node, detail);
        }
        int offset = max - node.Positional.Count;
        for (int p = 0; p < node.Positional.Count; p++)
        {
            var kind = signature.Positional[p + offset];
            if (!Fits(node.Positional[p], kind))
            {
                throw Error(node.Positional[p], $"argument {p + 1} of '{node.Name}' must be {Describe(kind)}");
            }
        }
        if (signature.Block && node.Block is null)
        {
            throw Error(node, $"'{node.Name}' needs a block {{ … }}");
        }
        if (!signature.Block && node.Block is not null)
        {
            throw Error(node, $"'{node.Name}' takes no block");
        }
        Tests(node, signature);
        if (signature.Tags.Any(t => t.Group == "match"))
        {
            node.Match = ResolveMatch(node);
        }
        if (node.Name == "redirect" && node.PositionalStrings(0)[0] is var target && !(Has("variables") && target.Contains("${", StringComparison.Ordinal))
            && (!MimeKit.MailboxAddress.TryParse(target, out var address) || string.IsNullOrEmpty(address.Domain)))
        {
            // A literal address is checked now, as Pigeonhole does, so the user sees it when saving rather than at delivery.
            throw Error(node.Positional[0], $"invalid redirect address '{target}'");
        }
        if (node.Name is "currentdate" or "date")
        {
            SieveDates.Check(node, Has("variables"));
        }
        if (node.Name == "set")
        {
            CheckVariableName(node, node.PositionalStrings(0)[0]);
        }
        if (node.Name is "setflag" or "addflag" or "removeflag" or "hasflag" && node.Positional.Count == 2)
        {
            if (!Has("variables"))
            {
                throw Error(node, $"a variable name in '{node.Name}' needs the \"variables\" extension");
            }
            foreach (var name in node.PositionalStrings(0))
            {
                CheckVariableName(node, name);
            }
        }
    }

    private void Tests(SieveNode node, SieveSignature signature)
    {
        if (signature.Tests == 0 && node.Tests.Count > 0 && signature.Kind != SieveNodeKind.Test)
        {
            // "keep\ndiscard;" parses as keep with a test named discard: the ';' after keep is what is missing.
            var last = node.Arguments.Count > 0 ? node.Arguments[^1] : null;
            throw last is null ? Error(node, $"missing ';' after '{node.Name}'") : Error(last, $"missing ';' after '{node.Name}'");
        }
        if (signature.Tests == 0 && node.Tests.Count > 0)
        {
            throw Error(node.Tests[0], $"'{node.Name}' takes no test");
        }
        if (signature.Tests == 1 && node.Tests.Count != 1)
        {
            throw Error(node, $"'{node.Name}' needs exactly one test");
        }
        if (signature.Tests == SieveGrammar.TestList && node.Tests.Count == 0)
        {
            throw Error(node, $"'{node.Name}' needs a list of tests ( … )");
        }
        foreach (var test in node.Tests)
        {
            if (!SieveGrammar.Tests.TryGetValue(test.Name, out var testSignature))
            {
                throw Error(test, SieveGrammar.Commands.ContainsKey(test.Name)
                    ? $"'{test.Name}' is a command, not a test"
                    : $"unknown test '{test.Name}'");
            }
            Node(test, testSignature);
        }
    }

    private SieveMatch ResolveMatch(SieveNode node)
    {
        var type = SieveMatchType.Is;
        var relation = SieveRelation.Eq;
        if (node.HasTag("contains"))
        {
            type = SieveMatchType.Contains;
        }
        else if (node.HasTag("matches"))
        {
            type = SieveMatchType.Matches;
        }
        else if (node.HasTag("count") || node.HasTag("value"))
        {
            type = node.HasTag("count") ? SieveMatchType.Count : SieveMatchType.Value;
            var tagName = node.HasTag("count") ? "count" : "value";
            var argument = node.Tags[tagName]!;
            relation = node.TagString(tagName)!.ToLowerInvariant() switch
            {
                "gt" => SieveRelation.Gt,
                "ge" => SieveRelation.Ge,
                "lt" => SieveRelation.Lt,
                "le" => SieveRelation.Le,
                "eq" => SieveRelation.Eq,
                "ne" => SieveRelation.Ne,
                var other => throw Error(argument, $"unknown relational operator '{other}' (gt, ge, lt, le, eq or ne)"),
            };
        }
        bool numericDefault = node.Name is "spamtest" or "virustest";
        var comparator = numericDefault ? "i;ascii-numeric" : "i;ascii-casemap";
        if (node.TagString("comparator") is { } named)
        {
            comparator = named.ToLowerInvariant();
            if (comparator is not ("i;octet" or "i;ascii-casemap" or "i;ascii-numeric"))
            {
                throw Error(node.Tags["comparator"]!, $"unknown comparator '{named}'");
            }
            if (comparator == "i;ascii-numeric" && !Has("comparator-i;ascii-numeric") && !numericDefault)
            {
                throw Error(node.Tags["comparator"]!, "comparator 'i;ascii-numeric' needs require \"comparator-i;ascii-numeric\"");
            }
        }
        if (comparator == "i;ascii-numeric" && type is SieveMatchType.Contains or SieveMatchType.Matches)
        {
            // RFC 4790 §9.1: i;ascii-numeric supports equality and ordering only, not substring.
            throw Error(node, $"comparator 'i;ascii-numeric' cannot be used with ':{(type == SieveMatchType.Contains ? "contains" : "matches")}'");
        }
        var part = node.HasTag("localpart") ? SieveAddressPart.LocalPart : node.HasTag("domain") ? SieveAddressPart.Domain : SieveAddressPart.All;
        return new SieveMatch(type, relation, comparator, part);
    }

    /// <summary>variable-name = (ALPHA / "_") *(ALPHA / DIGIT / "_") (RFC 5229 §3); a namespace or match variable cannot be set.</summary>
    private static void CheckVariableName(SieveNode node, string name)
    {
        bool valid = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!valid)
        {
            throw Error(node, $"invalid variable name '{name}'");
        }
    }

    private static bool Fits(SieveArgument argument, SieveValueKind kind) => kind switch
    {
        SieveValueKind.String => argument is SieveStringArgument { IsList: false },
        SieveValueKind.StringList => argument is SieveStringArgument,
        SieveValueKind.Number => argument is SieveNumberArgument,
        _ => false,
    };

    private static string Describe(SieveValueKind kind) => kind switch
    {
        SieveValueKind.String => "a string",
        SieveValueKind.StringList => "a string list",
        SieveValueKind.Number => "a number",
        _ => "nothing",
    };
}
