using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Appliance.Mime;

namespace Appliance.Filtering.Bayes;

/// <summary>
/// The tokens of a message, in the manner of SpamAssassin's Bayes tokenizer (ideas, not code): words of the decoded
/// text bodies (text/plain, and text/html as the reader sees it), tokens of a few header fields with the field's
/// short name before them, the host names of links with each parent domain, long words cut to "sk:" and their first
/// seven characters, long runs of non-ASCII letters (Asian scripts write without spaces) as pairs "8:xy".
/// Words are lower-cased; a word written in capitals ("FREE") is kept as written too, since shouting is a sign.
/// Pure: no I/O, any message gives a list, and the list holds at most <c>maxTokens</c> distinct tokens, header first.
/// </summary>
public static class BayesTokenizer
{
    /// <summary>SpamAssassin's MAX_TOKEN_LENGTH: longer words are mostly encoded junk, hashes and run-together text.</summary>
    public const int MaxTokenLength = 15;

    /// <summary>Shortest word kept: one and two letters are noise in every language.</summary>
    public const int MinTokenLength = 3;

    /// <summary>Received fields read, from the top: the hops nearest us say where it came from; deeper ones are forgeable.</summary>
    public const int MaxReceivedFields = 3;

    // Frequent English words that say nothing either way (SpamAssassin skips a similar list).
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "able", "all", "already", "and", "any", "are", "because", "both", "can", "come", "each", "email", "even", "few",
        "first", "for", "from", "give", "has", "have", "http", "https", "information", "into", "it's", "just", "know",
        "like", "long", "look", "made", "mail", "mailing", "make", "many", "more", "most", "much", "need", "not", "now",
        "number", "off", "one", "only", "out", "own", "people", "place", "right", "same", "see", "such", "that", "the",
        "this", "through", "time", "using", "web", "where", "why", "with", "without", "work", "world", "year", "years",
        "you", "you're", "your", "www",
    };

    // Header fields read, with the short names SpamAssassin's HEADER_NAME_COMPRESSION gives the common ones.
    // X-Mailer and User-Agent share one name (SpamAssassin's MAP_HEADERS_USERAGENT): the same program says either.
    private static readonly (string Field, string Prefix, FieldKind Kind)[] Fields =
    [
        ("Subject", "Hsubject:", FieldKind.Text),
        ("From", "H*F:", FieldKind.Addresses),
        ("Reply-To", "H*R:", FieldKind.Addresses),
        ("To", "H*T:", FieldKind.Addresses),
        ("Cc", "H*T:", FieldKind.Addresses),
        ("Return-Path", "H*p:", FieldKind.Addresses),
        ("Content-Type", "H*c:", FieldKind.ContentType),
        ("X-Mailer", "H*x:", FieldKind.Text),
        ("User-Agent", "H*x:", FieldKind.Text),
        ("Message-ID", "H*m:", FieldKind.MessageId),
        ("Received", "H*r:", FieldKind.Received),
    ];

    private enum FieldKind { Text, Addresses, ContentType, MessageId, Received }

    /// <summary>The distinct tokens of <paramref name="parsed"/>, at most <paramref name="maxTokens"/>, with at most <paramref name="maxBodyBytes"/> of its bodies read.</summary>
    public static IReadOnlyList<string> Tokenize(MimeMessage parsed, int maxTokens, int maxBodyBytes = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        var sink = new Sink(maxTokens);
        AddHeader(parsed, sink);
        var budget = maxBodyBytes;
        foreach (var (entity, parent) in Attachments.OwnParts(parsed))
        {
            if (sink.Full || budget <= 0)
            {
                break;
            }
            if (entity.IsMultipart || Attachments.IsAttachment(entity, parent))
            {
                continue;
            }
            var html = entity.ContentType.Is("text", "html");
            if (!html && !entity.ContentType.Is("text", "plain"))
            {
                continue;
            }
            var text = entity.GetText(budget, out _);
            budget -= entity.RawBody.Length;
            AddText(html ? HtmlText.ToPlainText(text) : text, "", sink, body: true);
        }
        return sink.Tokens;
    }

    /// <summary>
    /// A token as stored: the first 8 bytes of the SHA-256 of its UTF-8 text, big-endian, as a signed integer. SHA-256
    /// rather than a faster hash: it is the same on every machine and every version of .NET, forever, and a message's
    /// 2,000 tokens cost some 0.3 ms.
    /// </summary>
    public static long Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        Span<byte> utf8 = token.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(token.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(token.Length)];
        var length = Encoding.UTF8.GetBytes(token, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        return BinaryPrimitives.ReadInt64BigEndian(digest);
    }

    private static void AddHeader(MimeMessage message, Sink sink)
    {
        foreach (var (name, prefix, kind) in Fields)
        {
            var seen = 0;
            foreach (var field in message.Headers.GetAll(name))
            {
                if (sink.Full || (kind == FieldKind.Received && ++seen > MaxReceivedFields))
                {
                    break;
                }
                switch (kind)
                {
                    case FieldKind.Text:
                        AddText(field.DecodedValue, prefix, sink, body: false);
                        break;
                    case FieldKind.Addresses:
                        AddAddresses(field, prefix, sink);
                        break;
                    case FieldKind.ContentType:
                        AddContentType(field.Value, prefix, sink);
                        break;
                    case FieldKind.MessageId:
                        // The left part is unique to each message; the right names the machine or program that made it.
                        var at = field.Value.LastIndexOf('@');
                        if (at >= 0)
                        {
                            AddDomain(field.Value[(at + 1)..].Trim(' ', '>', '\t'), prefix, sink);
                        }
                        break;
                    case FieldKind.Received:
                        AddReceived(field.Value, prefix, sink);
                        break;
                }
            }
        }
    }

    private static void AddAddresses(HeaderField field, string prefix, Sink sink)
    {
        foreach (var mailbox in AddressParser.ParseMailboxes(field.Value))
        {
            if (mailbox.DisplayName is { Length: > 0 } display)
            {
                AddText(display, prefix, sink, body: false);
            }
            AddMailAddress(mailbox.LocalPart, mailbox.Domain, prefix, sink);
        }
    }

    /// <summary>SpamAssassin's "chewed" addresses: the user part (U*), the domain and each parent domain (D*).</summary>
    private static void AddMailAddress(string local, string domain, string prefix, Sink sink)
    {
        if (local.Length > 0)
        {
            sink.Add(prefix + "U*" + Shorten(local.ToLowerInvariant()));
        }
        AddDomain(domain, prefix + "D*", sink);
    }

    /// <summary>
    /// A host name and each of its parent domains: "mx1.mail.example.com", "mail.example.com", "example.com", "com".
    /// The full name is kept as long as it is: hosts are what a spammer cannot hide, and SpamAssassin does not cut them.
    /// </summary>
    private static void AddDomain(string host, string prefix, Sink sink)
    {
        host = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (host.Length == 0 || host.Length > 253)
        {
            return;
        }
        var rest = host;
        while (rest.Length > 0 && !sink.Full)
        {
            sink.Add(prefix + rest);
            var dot = rest.IndexOf('.');
            rest = dot < 0 ? "" : rest[(dot + 1)..];
        }
    }

    private static void AddContentType(string value, string prefix, Sink sink)
    {
        if (ContentType.Parse(value) is not { } type)
        {
            return;
        }
        sink.Add(prefix + type.MimeType);
        if (type.Charset is { Length: > 0 } charset)
        {
            sink.Add(prefix + "charset=" + Shorten(charset.ToLowerInvariant()));
        }
        // The boundary's shape, not its text (which is random per message): mass-mailing programs give themselves away
        // by it, "----=_NextPart_000_0012_01D9" and "b1_5f3e..." look nothing alike.
        if (type.Boundary is { Length: > 0 } boundary)
        {
            sink.Add(prefix + "boundary=" + Shape(boundary));
        }
    }

    /// <summary>Each character as its class (a letter "a", a digit "9", others as they are), runs of a class collapsed, at most 30.</summary>
    internal static string Shape(string text)
    {
        var shape = new StringBuilder();
        foreach (var c in text)
        {
            var k = char.IsAsciiLetter(c) ? 'a' : char.IsAsciiDigit(c) ? '9' : c;
            if (shape.Length == 0 || shape[^1] != k)
            {
                shape.Append(k);
            }
            if (shape.Length == 30)
            {
                break;
            }
        }
        return shape.ToString();
    }

    /// <summary>
    /// The names and IPv4 addresses of the hops in a Received field: each host name with its parent domains, an
    /// address whole and as its /24 ("ip*192.0.2.10", "ip*192.0.2"), since spam comes from neighbourhoods.
    /// </summary>
    private static void AddReceived(string value, string prefix, Sink sink)
    {
        // Up to the ';' before the date: the date says nothing and differs every time.
        var semicolon = value.LastIndexOf(';');
        var hops = semicolon < 0 ? value : value[..semicolon];
        foreach (var raw in hops.Split([' ', '\t', '(', ')', '[', ']', '<', '>', '=', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (sink.Full)
            {
                return;
            }
            var part = raw.Trim('.', ':');
            if (System.Net.IPAddress.TryParse(part, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                var text = ip.ToString();
                sink.Add(prefix + "ip*" + text);
                sink.Add(prefix + "ip*" + text[..text.LastIndexOf('.')]);
            }
            else if (part.Contains('.', StringComparison.Ordinal) && part.Any(char.IsAsciiLetter) && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                AddDomain(part, prefix, sink);
            }
        }
    }

    /// <summary>The words of <paramref name="text"/>; in a body also the hosts of links and the parts of mail addresses.</summary>
    private static void AddText(string text, string prefix, Sink sink, bool body)
    {
        var start = -1;
        for (var i = 0; i <= text.Length && !sink.Full; i++)
        {
            var inWord = i < text.Length && IsWordChar(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                AddWord(text[start..i], prefix, sink, body);
                start = -1;
            }
        }
    }

    /// <summary>
    /// Letters (of any script), digits, and the marks that belong inside words, addresses and links; everything else
    /// splits (SpamAssassin keeps a similar set, and cuts at the rest).
    /// </summary>
    private static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || c is '-' or '\'' or '.' or '@' or '_' or '$' or '!' or '*' or '/' or ':' or '%' or '&' or '?' or '=' or '~' or '#' or '+'
        || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static void AddWord(string word, string prefix, Sink sink, bool body)
    {
        if (body && TryLink(word, out var host))
        {
            AddDomain(host, "UD:", sink);
            return;
        }
        // Punctuation at either end is the sentence's, not the word's.
        word = word.Trim('-', '\'', '.', '!', '?', ':', '*', '/', '%', '&', '=', '~', '#', '+', '_', '$');
        if (word.Length < MinTokenLength)
        {
            return;
        }
        var at = word.IndexOf('@');
        if (body && at > 0 && at < word.Length - 1 && word.IndexOf('@', at + 1) < 0)
        {
            AddMailAddress(word[..at], word[(at + 1)..], "", sink);
            return;
        }
        var lower = word.ToLowerInvariant();
        if (StopWords.Contains(lower))
        {
            return;
        }
        if (word.Length > MaxTokenLength)
        {
            if (CountNonAscii(word) >= 2)
            {
                // SpamAssassin's TOKENIZE_LONG_8BIT_SEQS_AS_TUPLES: text without spaces becomes character pairs.
                for (var i = 0; i < lower.Length && !sink.Full; i += 2)
                {
                    sink.Add(prefix + "8:" + lower.Substring(i, Math.Min(2, lower.Length - i)));
                }
                return;
            }
            // SpamAssassin's TOKENIZE_LONG_TOKENS_AS_SKIPS (a SpamBayes idea): seven characters say enough of it.
            sink.Add(prefix + "sk:" + lower[..7]);
            return;
        }
        sink.Add(prefix + lower);
        if (IsShouted(word))
        {
            sink.Add(prefix + word);
        }
        // A word run into its punctuation ("viagra!!", "$$$cash") also counts as the bare word.
        var bare = new string(lower.Where(char.IsLetterOrDigit).ToArray());
        if (bare.Length >= MinTokenLength && bare.Length != lower.Length && !StopWords.Contains(bare))
        {
            sink.Add(prefix + bare);
        }
    }

    /// <summary>A link's host name: "http(s)://host/…", "www.host…", or a bare "host.tld/path".</summary>
    private static bool TryLink(string word, out string host)
    {
        host = "";
        var rest = word;
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            var name = rest[..scheme];
            if (!name.Equals("http", StringComparison.OrdinalIgnoreCase) && !name.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            rest = rest[(scheme + 3)..];
        }
        else if (!rest.StartsWith("www.", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var end = rest.IndexOfAny(['/', '?', '#', ':']);
        var candidate = (end < 0 ? rest : rest[..end]).TrimEnd('.');
        var userInfo = candidate.LastIndexOf('@');
        if (userInfo >= 0)
        {
            candidate = candidate[(userInfo + 1)..];
        }
        if (candidate.Length == 0 || !candidate.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }
        host = candidate;
        return true;
    }

    private static bool IsShouted(string word)
    {
        var letters = 0;
        foreach (var c in word)
        {
            if (char.IsLower(c))
            {
                return false;
            }
            letters += char.IsUpper(c) ? 1 : 0;
        }
        return letters >= MinTokenLength;
    }

    private static int CountNonAscii(string word) => word.Count(c => c > 127);

    private static string Shorten(string text) => text.Length > MaxTokenLength ? "sk:" + text[..7] : text;

    /// <summary>Distinct tokens in the order first met, up to the limit.</summary>
    private sealed class Sink(int max)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        public List<string> Tokens { get; } = [];
        public bool Full => Tokens.Count >= max;

        public void Add(string token)
        {
            if (!Full && _seen.Add(token))
            {
                Tokens.Add(token);
            }
        }
    }
}
