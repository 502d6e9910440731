using System.Text;

namespace Appliance.Filtering.Sieve;

public enum SieveTokenKind
{
    Identifier,
    Tag,
    Number,
    String,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    LeftParen,
    RightParen,
    Comma,
    Semicolon,
    End,
}

/// <summary>One lexical token with where it starts. <see cref="Text"/> holds an identifier or tag name (lower case,
/// RFC 5228 §2.1 makes them case-insensitive) or a string's value; <see cref="Number"/> a number with its quantifier applied.</summary>
public readonly record struct SieveToken(SieveTokenKind Kind, string Text, long Number, int Line, int Column);

/// <summary>
/// The lexical grammar of RFC 5228 §8.1: identifiers, tags, numbers with K/M/G, quoted strings, <c>text:</c> multi-line
/// strings with dot-stuffing, hash and bracket comments. Bare LF line ends are accepted as CRLF, as Pigeonhole does.
/// </summary>
public sealed class SieveLexer
{
    private readonly string _text;
    private readonly SieveOptions _options;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public SieveLexer(string text, SieveOptions options)
    {
        _text = text;
        _options = options;
    }

    public List<SieveToken> ReadAll()
    {
        var tokens = new List<SieveToken>();
        while (true)
        {
            var token = Next();
            tokens.Add(token);
            if (token.Kind == SieveTokenKind.End)
            {
                return tokens;
            }
        }
    }

    private int Column => _position - _lineStart + 1;

    private SieveSyntaxException Error(string detail) => new(_line, Column, detail);

    private void NewLine()
    {
        _line++;
        _lineStart = _position;
    }

    private SieveToken Next()
    {
        SkipWhiteSpaceAndComments();
        if (_position >= _text.Length)
        {
            return new SieveToken(SieveTokenKind.End, "", 0, _line, Column);
        }
        int line = _line, column = Column;
        char c = _text[_position];
        SieveToken Single(SieveTokenKind kind)
        {
            _position++;
            return new SieveToken(kind, c.ToString(), 0, line, column);
        }
        switch (c)
        {
            case '[': return Single(SieveTokenKind.LeftBracket);
            case ']': return Single(SieveTokenKind.RightBracket);
            case '{': return Single(SieveTokenKind.LeftBrace);
            case '}': return Single(SieveTokenKind.RightBrace);
            case '(': return Single(SieveTokenKind.LeftParen);
            case ')': return Single(SieveTokenKind.RightParen);
            case ',': return Single(SieveTokenKind.Comma);
            case ';': return Single(SieveTokenKind.Semicolon);
            case '"': return new SieveToken(SieveTokenKind.String, ReadQuotedString(), 0, line, column);
            case ':':
                _position++;
                if (_position >= _text.Length || !IsIdentifierStart(_text[_position]))
                {
                    throw Error("a tag needs a name after ':'");
                }
                return new SieveToken(SieveTokenKind.Tag, ReadIdentifier(), 0, line, column);
        }
        if (char.IsAsciiDigit(c))
        {
            return new SieveToken(SieveTokenKind.Number, "", ReadNumber(), line, column);
        }
        if (IsIdentifierStart(c))
        {
            var name = ReadIdentifier();
            // "text:" starts a multi-line string (RFC 5228 §2.4.2); any other identifier followed by ':' is a syntax error later.
            if (name == "text" && _position < _text.Length && _text[_position] == ':')
            {
                _position++;
                return new SieveToken(SieveTokenKind.String, ReadMultiLine(), 0, line, column);
            }
            return new SieveToken(SieveTokenKind.Identifier, name, 0, line, column);
        }
        throw Error($"unexpected character '{c}'");
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private string ReadIdentifier()
    {
        int start = _position;
        while (_position < _text.Length && IsIdentifierPart(_text[_position]))
        {
            _position++;
        }
        return _text[start.._position].ToLowerInvariant();
    }

    /// <summary>number = 1*DIGIT [ QUANTIFIER ]; QUANTIFIER = "K" / "M" / "G" (RFC 5228 §2.4.1), case-insensitive.</summary>
    private long ReadNumber()
    {
        long value = 0;
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
        {
            value = value * 10 + (_text[_position] - '0');
            if (value > uint.MaxValue)
            {
                throw Error("number too large");
            }
            _position++;
        }
        if (_position < _text.Length)
        {
            long factor = char.ToUpperInvariant(_text[_position]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
            if (factor != 1)
            {
                _position++;
                value *= factor;
            }
        }
        if (_position < _text.Length && IsIdentifierPart(_text[_position]))
        {
            throw Error("invalid number");
        }
        return value;
    }

    /// <summary>quoted-string = DQUOTE quoted-text DQUOTE; "\\" and "\"" escape, any other backslash is dropped (§2.4.2).</summary>
    private string ReadQuotedString()
    {
        int line = _line, column = Column;
        _position++;
        var value = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw new SieveSyntaxException(line, column, "unterminated string");
            }
            char c = _text[_position++];
            if (c == '"')
            {
                return value.ToString();
            }
            if (c == '\\' && _position < _text.Length)
            {
                c = _text[_position++];
            }
            if (c == '\n')
            {
                NewLine();
            }
            value.Append(c);
            CheckLength(value, line, column);
        }
    }

    private void CheckLength(StringBuilder value, int line, int column)
    {
        if (value.Length > _options.MaxStringLength)
        {
            throw new SieveSyntaxException(line, column, $"string longer than {_options.MaxStringLength} characters");
        }
    }

    /// <summary>multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF) *(multiline-literal / multiline-dotstart) "." CRLF.</summary>
    private string ReadMultiLine()
    {
        int line = _line, column = Column;
        while (_position < _text.Length && (_text[_position] == ' ' || _text[_position] == '\t'))
        {
            _position++;
        }
        if (_position < _text.Length && _text[_position] == '#')
        {
            while (_position < _text.Length && _text[_position] != '\n')
            {
                _position++;
            }
        }
        else if (_position < _text.Length && _text[_position] == '\r')
        {
            _position++;
        }
        if (_position >= _text.Length || _text[_position] != '\n')
        {
            throw Error("'text:' must be followed by a line break");
        }
        _position++;
        NewLine();
        var value = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw new SieveSyntaxException(line, column, "unterminated multi-line string (a line with a single '.' ends it)");
            }
            int end = _text.IndexOf('\n', _position);
            int next = end < 0 ? _text.Length : end + 1;
            var content = _text.AsSpan(_position, (end < 0 ? _text.Length : end) - _position);
            if (content.EndsWith("\r"))
            {
                content = content[..^1];
            }
            _position = next;
            if (end >= 0)
            {
                NewLine();
            }
            if (content is ".")
            {
                return value.ToString();
            }
            if (content.StartsWith(".."))
            {
                content = content[1..];
            }
            value.Append(content).Append("\r\n");
            CheckLength(value, line, column);
        }
    }

    private void SkipWhiteSpaceAndComments()
    {
        while (_position < _text.Length)
        {
            char c = _text[_position];
            if (c == '\n')
            {
                _position++;
                NewLine();
            }
            else if (c is ' ' or '\t' or '\r')
            {
                _position++;
            }
            else if (c == '#')
            {
                while (_position < _text.Length && _text[_position] != '\n')
                {
                    _position++;
                }
            }
            else if (c == '/' && _position + 1 < _text.Length && _text[_position + 1] == '*')
            {
                int line = _line, column = Column;
                _position += 2;
                while (true)
                {
                    if (_position + 1 >= _text.Length)
                    {
                        throw new SieveSyntaxException(line, column, "unterminated comment");
                    }
                    if (_text[_position] == '*' && _text[_position + 1] == '/')
                    {
                        _position += 2;
                        break;
                    }
                    if (_text[_position] == '\n')
                    {
                        _position++;
                        NewLine();
                    }
                    else
                    {
                        _position++;
                    }
                }
            }
            else
            {
                return;
            }
        }
    }
}
