using System.Globalization;
using System.Text;
using Appliance.Mailstore;

namespace Appliance.Imap.Parsing;

/// <summary>A command that does not follow RFC 3501's grammar; its text becomes the BAD response.</summary>
public sealed class ImapSyntaxException(string message) : Exception(message);

/// <summary>A message literal of APPEND: its bytes in the command, or where the reader spooled them; <see cref="Binary"/> for a literal8.</summary>
public readonly record struct ImapLiteral(ReadOnlyMemory<byte> Bytes, SpooledLiteral? Spooled, bool Binary)
{
    public long Length => Spooled?.Length ?? Bytes.Length;

    public bool HasNul => Spooled?.HasNul ?? Bytes.Span.Contains((byte)0);
}

/// <summary>
/// A cursor over one complete command as the client sent it: the line with its literals inline
/// (<c>{n}</c> CRLF and then n raw octets, which <see cref="ImapCommandReader"/> has already
/// collected). Pure: no I/O, and any input, however cut short or hostile, ends in
/// <see cref="ImapSyntaxException"/>, never another exception.
/// </summary>
public sealed class ImapParser(ReadOnlyMemory<byte> command, LiteralSpool? spool = null)
{
    private readonly ReadOnlyMemory<byte> _command = command;

    /// <summary>The APPEND literals the reader kept on disk; their data is not in the command.</summary>
    public LiteralSpool? Spool => spool;
    private int _position;

    /// <summary>
    /// Whether mailbox names are UTF-8 as sent (RFC 6855 §3 after ENABLE UTF8=ACCEPT, RFC 9051 §5.1 after ENABLE IMAP4rev2)
    /// rather than modified UTF-7 (RFC 3501 §5.1.3). The session sets it from what the client enabled.
    /// </summary>
    public bool Utf8Mailboxes { get; init; }

    public int Position => _position;

    /// <summary>Goes back to a position read before: a lookahead that turned out to be something else.</summary>
    public void Rewind(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, _position);
        _position = position;
    }
    public bool AtEnd => _position >= _command.Length;
    private ReadOnlySpan<byte> Span => _command.Span;
    private byte Peek => _position < _command.Length ? Span[_position] : (byte)0;

    // RFC 3501 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials.
    private static bool IsAtomChar(byte b) => b is > 0x20 and < 0x7f and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');
    private static bool IsAstringChar(byte b) => IsAtomChar(b) || b == ']';
    private static bool IsListChar(byte b) => IsAtomChar(b) || b is (byte)'%' or (byte)'*' or (byte)']';

    /// <summary><c>tag = 1*&lt;any ASTRING-CHAR except "+"&gt;</c>.</summary>
    public string ReadTag()
    {
        var start = _position;
        while (_position < _command.Length && IsAstringChar(Peek) && Peek != '+')
        {
            _position++;
        }
        if (_position == start)
        {
            throw new ImapSyntaxException("Missing or bad tag");
        }
        return Encoding.ASCII.GetString(Span[start.._position]);
    }

    /// <summary>An atom, such as a command name or a FETCH item; upper-cased when <paramref name="upper"/>.</summary>
    public string ReadAtom(bool upper = true) => ReadAtom(upper, stopAtBracket: false);

    /// <summary>A FETCH item's name: an atom that ends where a section "[" begins.</summary>
    public string ReadItemName() => ReadAtom(upper: true, stopAtBracket: true);

    private string ReadAtom(bool upper, bool stopAtBracket)
    {
        var start = _position;
        while (_position < _command.Length && IsAtomChar(Peek) && !(stopAtBracket && Peek == '['))
        {
            _position++;
        }
        if (_position == start)
        {
            throw new ImapSyntaxException(AtEnd ? "Missing argument" : $"Unexpected '{(char)Peek}'");
        }
        var atom = Encoding.ASCII.GetString(Span[start.._position]);
        return upper ? atom.ToUpperInvariant() : atom;
    }

    /// <summary>Reads one space, the separator between arguments.</summary>
    public void ReadSpace()
    {
        if (Peek != ' ' || AtEnd)
        {
            throw new ImapSyntaxException(AtEnd ? "Missing argument" : "Expected a space");
        }
        _position++;
    }

    /// <summary>Skips a space if there is one; true when it did.</summary>
    public bool TrySpace()
    {
        if (!AtEnd && Peek == ' ')
        {
            _position++;
            return true;
        }
        return false;
    }

    public bool TryRead(char c)
    {
        if (!AtEnd && Peek == c)
        {
            _position++;
            return true;
        }
        return false;
    }

    public void Expect(char c)
    {
        if (!TryRead(c))
        {
            throw new ImapSyntaxException(AtEnd ? $"Missing '{c}'" : $"Expected '{c}'");
        }
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new ImapSyntaxException("Unexpected extra arguments");
        }
    }

    public bool NextIs(char c) => !AtEnd && Peek == c;

    public bool NextIsDigit() => !AtEnd && char.IsAsciiDigit((char)Peek);

    /// <summary>Whether the next bytes are exactly <paramref name="text"/> (ASCII), without reading them.</summary>
    public bool NextIsText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_position + text.Length > _command.Length)
        {
            return false;
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (Span[_position + i] != text[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether the next bytes are <paramref name="word"/> (ASCII, case-insensitive) followed by a non-atom character.</summary>
    public bool NextIsWord(string word)
    {
        if (_position + word.Length > _command.Length)
        {
            return false;
        }
        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)Span[_position + i]) != word[i])
            {
                return false;
            }
        }
        return _position + word.Length == _command.Length || !IsAtomChar(Span[_position + word.Length]);
    }

    /// <summary><c>astring = 1*ASTRING-CHAR / string</c>, as UTF-8 text.</summary>
    public string ReadAString() => Encoding.UTF8.GetString(ReadAStringBytes().Span);

    public ReadOnlyMemory<byte> ReadAStringBytes()
    {
        if (Peek == '"' || Peek == '{')
        {
            return ReadStringBytes();
        }
        var start = _position;
        while (_position < _command.Length && IsAstringChar(Peek))
        {
            _position++;
        }
        if (_position == start)
        {
            throw new ImapSyntaxException(AtEnd ? "Missing argument" : $"Unexpected '{(char)Peek}'");
        }
        return _command[start.._position];
    }

    /// <summary>
    /// <c>mailbox = "INBOX" / astring</c>, decoded from modified UTF-7 (RFC 3501 §5.1.3) and normalized as the
    /// mail store keeps names.
    /// </summary>
    public string ReadMailbox() => Mailbox(ReadAString());

    /// <summary>A mailbox name decoded from this command's encoding but not normalized: what the client meant to call it.</summary>
    public string MailboxAsSent(string sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        return !Utf8Mailboxes && ModifiedUtf7.TryDecode(sent, out var name) ? name : sent;
    }

    /// <summary>A mailbox name as the client sent it, in this command's encoding (see <see cref="Utf8Mailboxes"/>), normalized.</summary>
    public string Mailbox(string sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        if (!Utf8Mailboxes)
        {
            return DecodeMailbox(sent);
        }
        // ReadAString's decoding turns bytes that are not UTF-8 into U+FFFD; a name must not be made of those.
        return sent.Contains('\uFFFD', StringComparison.Ordinal) ? throw new ImapSyntaxException("Mailbox name is not valid UTF-8") : MailStore.Normalize(sent);
    }

    /// <summary>A mailbox name as the client sent it, decoded from modified UTF-7 (RFC 3501 §5.1.3).</summary>
    public static string DecodeMailbox(string sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        return ModifiedUtf7.TryDecode(sent, out var name) ? MailStore.Normalize(name) : throw new ImapSyntaxException("Mailbox name is not valid modified UTF-7");
    }

    /// <summary><c>objectid = 1*255(ALPHA / DIGIT / "_" / "-")</c> (RFC 8474 §7), as sent: ids are case-sensitive.</summary>
    public string ReadObjectId()
    {
        var start = _position;
        while (_position < _command.Length && (char.IsAsciiLetterOrDigit((char)Peek) || Peek is (byte)'_' or (byte)'-'))
        {
            _position++;
        }
        return _position - start is > 0 and <= 255
            ? Encoding.ASCII.GetString(Span[start.._position])
            : throw new ImapSyntaxException(_position == start ? "Expected an object id" : "Object id too long");
    }

    /// <summary><c>nstring = string / nil</c>: null for NIL.</summary>
    public string? ReadNString()
    {
        if (NextIsWord("NIL"))
        {
            _position += 3;
            return null;
        }
        return Encoding.UTF8.GetString(ReadStringBytes().Span);
    }

    /// <summary><c>list-mailbox = 1*list-char / string</c>: a LIST pattern, wildcards allowed.</summary>
    public string ReadListMailbox()
    {
        if (Peek == '"' || Peek == '{')
        {
            return Encoding.UTF8.GetString(ReadStringBytes().Span);
        }
        var start = _position;
        while (_position < _command.Length && IsListChar(Peek))
        {
            _position++;
        }
        if (_position == start)
        {
            throw new ImapSyntaxException("Missing mailbox pattern");
        }
        return Encoding.UTF8.GetString(Span[start.._position]);
    }

    /// <summary><c>string = quoted / literal</c>.</summary>
    public ReadOnlyMemory<byte> ReadStringBytes()
    {
        if (TryRead('"'))
        {
            var buffer = new List<byte>();
            while (true)
            {
                if (AtEnd)
                {
                    throw new ImapSyntaxException("Unterminated quoted string");
                }
                var b = Span[_position++];
                if (b == '"')
                {
                    return buffer.ToArray();
                }
                if (b == '\\')
                {
                    if (AtEnd || Peek is not ((byte)'"' or (byte)'\\'))
                    {
                        throw new ImapSyntaxException("Bad escape in quoted string");
                    }
                    b = Span[_position++];
                }
                else if (b is (byte)'\r' or (byte)'\n' or 0)
                {
                    throw new ImapSyntaxException("Bad character in quoted string");
                }
                buffer.Add(b);
            }
        }
        if (Peek == '{')
        {
            return ReadLiteral();
        }
        throw new ImapSyntaxException(AtEnd ? "Missing string" : "Expected a string");
    }

    /// <summary><c>literal = "{" number ["+"] "}" CRLF *CHAR8</c> (RFC 7888 adds the "+").</summary>
    public ReadOnlyMemory<byte> ReadLiteral()
    {
        Expect('{');
        var length = ReadNumber();
        TryRead('+');
        Expect('}');
        if (!TryRead('\r') || !TryRead('\n'))
        {
            throw new ImapSyntaxException("A literal's size must end its line");
        }
        if (spool is not null && spool.TryGet(_position, out _))
        {
            throw new ImapSyntaxException("Literal too large for this argument");
        }
        if (length > _command.Length - _position)
        {
            throw new ImapSyntaxException("Literal shorter than announced");
        }
        var literal = _command.Slice(_position, (int)length);
        _position += (int)length;
        return literal;
    }

    /// <summary>
    /// APPEND's message data: <c>literal</c>, or RFC 3516's <c>literal8 = "~{" number ["+"] "}" CRLF *OCTET</c>.
    /// A NUL is allowed in a literal8 only (RFC 3501 §9 <c>CHAR8 = %x01-ff</c>). The data may be on disk.
    /// </summary>
    public ImapLiteral ReadMessageLiteral(bool literal8Only = false)
    {
        var binary = TryRead('~');
        if (literal8Only && !binary)
        {
            throw new ImapSyntaxException("Expected a literal8 (~{n})");
        }
        Expect('{');
        var length = ReadNumber();
        TryRead('+');
        Expect('}');
        if (!TryRead('\r') || !TryRead('\n'))
        {
            throw new ImapSyntaxException("A literal's size must end its line");
        }
        ImapLiteral literal;
        if (spool is not null && spool.TryGet(_position, out var spooled))
        {
            literal = new ImapLiteral(default, spooled, binary);
        }
        else
        {
            if (length > _command.Length - _position)
            {
                throw new ImapSyntaxException("Literal shorter than announced");
            }
            literal = new ImapLiteral(_command.Slice(_position, (int)length), null, binary);
            _position += (int)length;
        }
        if (!binary && literal.HasNul)
        {
            throw new ImapSyntaxException("A NUL octet in a literal; send it as literal8 (~{n}, RFC 3516)");
        }
        return literal;
    }

    /// <summary><c>number = 1*DIGIT</c>, at most 2^32-1 (RFC 3501's 32-bit numbers; RFC 9051 allows 63 bits for some).</summary>
    public long ReadNumber(long max = uint.MaxValue)
    {
        var start = _position;
        long value = 0;
        while (!AtEnd && char.IsAsciiDigit((char)Peek))
        {
            var digit = Peek - '0';
            // Checked before it is added, so that 2^63 cannot wrap round to a negative number.
            if (value > (max - digit) / 10)
            {
                throw new ImapSyntaxException("Number too large");
            }
            value = value * 10 + digit;
            _position++;
        }
        if (_position == start)
        {
            throw new ImapSyntaxException(AtEnd ? "Missing number" : "Expected a number");
        }
        return value;
    }

    /// <summary><c>nz-number = digit-nz *DIGIT</c>.</summary>
    public long ReadNzNumber(long max = uint.MaxValue)
    {
        var n = ReadNumber(max);
        return n == 0 ? throw new ImapSyntaxException("Zero is not allowed here") : n;
    }

    /// <summary><c>sequence-set</c>: ranges of numbers or "*", or "$" (RFC 5182) for the last SEARCH result.</summary>
    public SequenceSet ReadSequenceSet()
    {
        if (TryRead('$'))
        {
            return SequenceSet.SavedResult;
        }
        var ranges = new List<(long, long)>();
        do
        {
            var first = ReadSequenceNumber();
            var last = first;
            if (TryRead(':'))
            {
                last = ReadSequenceNumber();
            }
            ranges.Add((first, last));
        }
        while (TryRead(','));
        return new SequenceSet(ranges);
    }

    private long ReadSequenceNumber() => TryRead('*') ? SequenceSet.Star : ReadNzNumber();

    /// <summary>
    /// <c>date = date-text / DQUOTE date-text DQUOTE</c>, <c>date-text = date-day "-" date-month "-" date-year</c>
    /// (SEARCH's SINCE, BEFORE, ON).
    /// </summary>
    public DateOnly ReadDate()
    {
        var quoted = TryRead('"');
        var text = ReadAtom(upper: false);
        if (quoted)
        {
            Expect('"');
        }
        return DateOnly.TryParseExact(text, ["d-MMM-yyyy", "dd-MMM-yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new ImapSyntaxException($"Bad date '{text}'");
    }

    /// <summary><c>date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE</c> (APPEND).</summary>
    public DateTimeOffset ReadDateTime()
    {
        var text = Encoding.ASCII.GetString(ReadStringBytes().Span);
        return DateTimeOffset.TryParseExact(text.Trim(), ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            || DateTimeOffset.TryParseExact(ZoneWithColon(text.Trim()), ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
            ? value
            : throw new ImapSyntaxException($"Bad date-time '{text}'");
    }

    // "+0100" → "+01:00", which .NET's zzz reads.
    private static string ZoneWithColon(string text) =>
        text.Length > 5 && text[^5] is '+' or '-' ? text[..^2] + ":" + text[^2..] : text;

    /// <summary>A parenthesized list of flags: <c>"(" [flag *(SP flag)] ")"</c>, or one flag without parentheses.</summary>
    public IReadOnlyList<string> ReadFlagList()
    {
        var flags = new List<string>();
        if (!TryRead('('))
        {
            flags.Add(ReadFlag());
            return flags;
        }
        if (TryRead(')'))
        {
            return flags;
        }
        do
        {
            flags.Add(ReadFlag());
        }
        while (TrySpace());
        Expect(')');
        return flags;
    }

    /// <summary><c>flag = "\" atom / atom</c>; system flags are returned in their canonical case.</summary>
    public string ReadFlag()
    {
        var system = TryRead('\\');
        var atom = ReadAtom(upper: false);
        if (!system)
        {
            return atom;
        }
        return MessageFlags.Canonical("\\" + atom) ?? throw new ImapSyntaxException($"Unknown system flag \\{atom}");
    }
}
