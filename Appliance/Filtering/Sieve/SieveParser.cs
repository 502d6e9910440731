namespace Appliance.Filtering.Sieve;

/// <summary>
/// The syntactic grammar of RFC 5228 §8.2 over <see cref="SieveLexer"/> tokens, to a tree of <see cref="SieveNode"/>.
/// Pure: no knowledge of which commands exist (that is <see cref="SieveValidator"/>'s), recursion bounded by
/// <see cref="SieveOptions.MaxNesting"/>.
/// </summary>
public sealed class SieveParser
{
    private readonly List<SieveToken> _tokens;
    private readonly SieveOptions _options;
    private int _index;

    private SieveParser(List<SieveToken> tokens, SieveOptions options)
    {
        _tokens = tokens;
        _options = options;
    }

    public static List<SieveNode> Parse(string script, SieveOptions options)
    {
        var parser = new SieveParser(new SieveLexer(script, options).ReadAll(), options);
        var commands = parser.Commands(0);
        var end = parser.Peek;
        if (end.Kind != SieveTokenKind.End)
        {
            throw Error(end, $"unexpected {Describe(end)}");
        }
        return commands;
    }

    private SieveToken Peek => _tokens[_index];

    private SieveToken Take() => _tokens[_index++];

    private static SieveSyntaxException Error(SieveToken token, string detail) => new(token.Line, token.Column, detail);

    private static string Describe(SieveToken token) => token.Kind switch
    {
        SieveTokenKind.Identifier => $"identifier '{token.Text}'",
        SieveTokenKind.Tag => $"tag ':{token.Text}'",
        SieveTokenKind.Number => "number",
        SieveTokenKind.String => "string",
        SieveTokenKind.End => "end of script",
        _ => $"'{token.Text}'",
    };

    private void CheckDepth(int depth, SieveToken at)
    {
        if (depth > _options.MaxNesting)
        {
            throw Error(at, $"nesting deeper than {_options.MaxNesting}");
        }
    }

    /// <summary>commands = *command</summary>
    private List<SieveNode> Commands(int depth)
    {
        var commands = new List<SieveNode>();
        while (Peek.Kind == SieveTokenKind.Identifier)
        {
            commands.Add(Command(depth));
        }
        return commands;
    }

    /// <summary>command = identifier arguments (";" / block); block = "{" commands "}"</summary>
    private SieveNode Command(int depth)
    {
        var name = Take();
        var node = new SieveNode(name.Text, name.Line, name.Column);
        Arguments(node, depth);
        var next = Take();
        if (next.Kind == SieveTokenKind.Semicolon)
        {
            return node;
        }
        if (next.Kind == SieveTokenKind.LeftBrace)
        {
            CheckDepth(depth + 1, next);
            node.Block = Commands(depth + 1);
            var close = Take();
            if (close.Kind != SieveTokenKind.RightBrace)
            {
                throw Error(close, $"expected '}}' but found {Describe(close)}");
            }
            return node;
        }
        // Point at the end of the command, where the ';' is missing, not at the next line's command (as Pigeonhole does).
        var last = _tokens[_index - 2];
        throw Error(last, $"missing ';' after '{node.Name}' (found {Describe(next)})");
    }

    /// <summary>arguments = *argument [ test / test-list ]</summary>
    private void Arguments(SieveNode node, int depth)
    {
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case SieveTokenKind.Tag:
                    _index++;
                    node.Arguments.Add(new SieveTagArgument(token.Text, token.Line, token.Column));
                    continue;
                case SieveTokenKind.Number:
                    _index++;
                    node.Arguments.Add(new SieveNumberArgument(token.Number, token.Line, token.Column));
                    continue;
                case SieveTokenKind.String:
                    _index++;
                    node.Arguments.Add(new SieveStringArgument([token.Text], false, token.Line, token.Column));
                    continue;
                case SieveTokenKind.LeftBracket:
                    node.Arguments.Add(StringList());
                    continue;
                case SieveTokenKind.Identifier:
                    CheckDepth(depth + 1, token);
                    node.Tests.Add(Test(depth + 1));
                    return;
                case SieveTokenKind.LeftParen:
                    CheckDepth(depth + 1, token);
                    TestList(node, depth + 1);
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>string-list = "[" string *("," string) "]" / string</summary>
    private SieveStringArgument StringList()
    {
        var open = Take();
        var values = new List<string>();
        while (true)
        {
            var item = Take();
            if (item.Kind != SieveTokenKind.String)
            {
                throw Error(item, $"expected a string in the list but found {Describe(item)}");
            }
            values.Add(item.Text);
            if (values.Count > _options.MaxListLength)
            {
                throw Error(item, $"string list longer than {_options.MaxListLength} items");
            }
            var separator = Take();
            if (separator.Kind == SieveTokenKind.RightBracket)
            {
                return new SieveStringArgument(values, true, open.Line, open.Column);
            }
            if (separator.Kind != SieveTokenKind.Comma)
            {
                throw Error(separator, $"expected ',' or ']' in the string list but found {Describe(separator)}");
            }
        }
    }

    /// <summary>test = identifier arguments</summary>
    private SieveNode Test(int depth)
    {
        var name = Take();
        var node = new SieveNode(name.Text, name.Line, name.Column);
        Arguments(node, depth);
        return node;
    }

    /// <summary>test-list = "(" test *("," test) ")"</summary>
    private void TestList(SieveNode node, int depth)
    {
        _index++;
        while (true)
        {
            var name = Peek;
            if (name.Kind != SieveTokenKind.Identifier)
            {
                throw Error(name, $"expected a test but found {Describe(name)}");
            }
            node.Tests.Add(Test(depth));
            var separator = Take();
            if (separator.Kind == SieveTokenKind.RightParen)
            {
                return;
            }
            if (separator.Kind != SieveTokenKind.Comma)
            {
                throw Error(separator, $"expected ',' or ')' in the test list but found {Describe(separator)}");
            }
        }
    }
}
