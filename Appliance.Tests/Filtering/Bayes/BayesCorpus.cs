using System.Text;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Filtering.Bayes;

/// <summary>
/// A labelled corpus made up on the spot from a seed: spam-like and ham-like vocabularies over a shared one, with
/// overlap (spam borrows office words, ham now and then says "free" or "offer"), Zipf-like word frequencies, random
/// lengths, and the transfer encodings and HTML that real mail comes in.
/// </summary>
public sealed class BayesCorpus
{
    private static readonly string[] Common =
    [
        "about", "after", "again", "also", "always", "around", "back", "been", "before", "best", "better", "between",
        "call", "could", "days", "does", "done", "down", "during", "every", "find", "friday", "going", "good", "great",
        "here", "hope", "keep", "last", "later", "little", "monday", "month", "next", "other", "over", "please",
        "really", "send", "should", "some", "soon", "still", "sure", "take", "thanks", "their", "them", "then",
        "there", "these", "they", "thing", "think", "today", "tomorrow", "very", "want", "week", "well", "were",
        "what", "when", "which", "while", "will", "would", "yesterday", "message", "reply", "below", "attached",
        "regards", "hello", "dear", "contact", "account", "information", "update", "online", "service", "team",
    ];

    private static readonly string[] Spammy =
    [
        "free", "winner", "prize", "cash", "casino", "viagra", "cheap", "discount", "offer", "limited", "guaranteed",
        "bonus", "credit", "loan", "mortgage", "refinance", "unsubscribe", "click", "urgent", "lottery", "million",
        "dollars", "investment", "profit", "income", "earn", "weight", "pills", "pharmacy", "rolex", "replica",
        "bitcoin", "crypto", "wallet", "claim", "congratulations", "selected", "exclusive", "deal", "act", "instantly",
        "risk-free", "100%", "$$$", "order", "shipping", "wholesale", "supplier", "beneficiary", "inheritance",
        "transfer", "barrister", "verify", "suspended", "password", "login", "expire", "reward", "gift", "card",
        "amazing", "miracle", "secret", "lose", "dating", "singles", "hot", "adult", "xxx", "stock", "alert",
        "promotion", "save", "lowest", "price", "buy", "now", "hurry", "today-only", "satisfaction", "opt-out",
    ];

    private static readonly string[] Hammy =
    [
        "meeting", "agenda", "minutes", "project", "deadline", "review", "draft", "report", "quarterly", "budget",
        "invoice", "contract", "client", "schedule", "calendar", "conference", "room", "lunch", "coffee", "colleague",
        "manager", "office", "printer", "server", "backup", "release", "version", "patch", "ticket", "issue",
        "spreadsheet", "presentation", "slides", "notes", "proposal", "feedback", "approval", "vacation", "holiday",
        "birthday", "family", "weekend", "kids", "school", "dinner", "recipe", "garden", "football", "train",
        "station", "appointment", "doctor", "dentist", "insurance", "tax", "accountant", "lawyer", "landlord",
        "apartment", "repair", "plumber", "delivery", "parcel", "library", "book", "chapter", "thesis", "seminar",
        "lecture", "workshop", "agenda-item", "follow-up", "action", "decision", "minutes-draft", "phone", "number",
    ];

    // The overlap: words of the other side that each side really uses. Ham talks of orders, prices and passwords;
    // spam dresses up as invoices, parcels and account notices.
    private static readonly string[] HamBorrows =
        ["free", "offer", "discount", "order", "price", "save", "deal", "credit", "gift", "card", "shipping", "verify", "password", "login", "alert", "buy"];

    private static readonly string[] SpamBorrows =
        ["meeting", "invoice", "delivery", "parcel", "contract", "review", "report", "ticket", "issue", "phone", "number", "insurance", "tax", "client"];

    private static readonly string[] SpamDomains = ["promo-mailer.biz", "cheap-meds.ru", "win-big.info", "gmail.com", "hotmail.com", "web.de"];
    private static readonly string[] HamDomains = ["example.com", "partner.example.org", "university.example.edu", "gmail.com", "web.de", "lists.example.org"];
    private static readonly string[] SpamMailers = ["MassMailer Pro 7.2", "PHPMailer 5.2.9", "Microsoft Outlook 16.0", "Apple Mail (2.3774)"];
    private static readonly string[] HamMailers = ["Mozilla Thunderbird 128.3", "Microsoft Outlook 16.0", "Apple Mail (2.3774)", "Roundcube Webmail 1.6"];

    private readonly Random _random;
    private int _serial;

    public BayesCorpus(int seed) => _random = new Random(seed);

    /// <summary>One message with its label. Spam often comes from the big free providers and names a common mail program, as real spam does.</summary>
    public (byte[] Message, bool IsSpam) Next(bool isSpam)
    {
        _serial++;
        var own = isSpam ? Spammy : Hammy;
        var other = isSpam ? SpamBorrows : HamBorrows;
        var words = _random.Next(5, 200);
        var body = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            var roll = _random.NextDouble();
            // 75% shared words, 15% the class's own, 10% borrowed from the other side: neither side is clean.
            var pool = roll < 0.75 ? Common : roll < 0.90 ? own : other;
            body.Append(Zipf(pool)).Append(i % 12 == 11 ? ".\r\n" : " ");
        }
        if (isSpam && _random.NextDouble() < 0.7)
        {
            body.Append("\r\nhttp://").Append(Pick(SpamDomains)).Append("/c?id=").Append(_random.Next()).Append("\r\n");
        }
        else if (!isSpam && _random.NextDouble() < 0.3)
        {
            body.Append("\r\nhttps://").Append(Pick(HamDomains)).Append("/docs/").Append(_random.Next(1000)).Append("\r\n");
        }
        var subject = string.Join(' ', Enumerable.Range(0, _random.Next(2, 7)).Select(_ => Zipf(_random.NextDouble() < 0.5 ? Common : own)));
        if (isSpam && _random.NextDouble() < 0.3)
        {
            subject = subject.ToUpperInvariant();
        }
        var domain = Pick(isSpam ? SpamDomains : HamDomains);
        var mailer = Pick(isSpam ? SpamMailers : HamMailers);
        var header = new StringBuilder()
            .Append("Received: from mx").Append(_random.Next(1, 9)).Append('.').Append(domain).Append(" ([")
            .Append(isSpam && _random.NextDouble() < 0.8 ? "203.0.113." : "198.51.100.").Append(_random.Next(1, 255)).Append("]) by mail.example.com; Thu, 3 Dec 2026 10:00:00 +0000\r\n")
            .Append("From: ").Append(Zipf(Common)).Append(" <user").Append(_random.Next(100)).Append('@').Append(domain).Append(">\r\n")
            .Append("To: someone@example.com\r\n")
            .Append("Subject: ").Append(subject).Append("\r\n")
            .Append("Message-ID: <").Append(_serial).Append('.').Append(_random.Next()).Append('@').Append(domain).Append(">\r\n")
            .Append("X-Mailer: ").Append(mailer).Append("\r\n")
            .Append("MIME-Version: 1.0\r\n");
        var text = body.ToString();
        var form = _random.Next(4);
        switch (form)
        {
            case 0:
                header.Append("Content-Type: text/plain; charset=utf-8\r\n\r\n").Append(text);
                break;
            case 1:
                header.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                    .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(text), Base64FormattingOptions.InsertLineBreaks));
                break;
            case 2:
                header.Append("Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><div style=\"color:red\"><p>")
                    .Append(text.Replace("\r\n", "</p><p>", StringComparison.Ordinal)).Append("</p></div></body></html>\r\n");
                break;
            default:
                var boundary = isSpam ? "b1_" + _random.Next().ToString("x", System.Globalization.CultureInfo.InvariantCulture) : "------------" + _random.Next(100000000, 999999999);
                header.Append("Content-Type: multipart/alternative; boundary=\"").Append(boundary).Append("\"\r\n\r\n")
                    .Append("--").Append(boundary).Append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
                    .Append(QuotedPrintable(text))
                    .Append("\r\n--").Append(boundary).Append("\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>").Append(text).Append("</p>\r\n--").Append(boundary).Append("--\r\n");
                break;
        }
        return (Encoding.UTF8.GetBytes(header.ToString()), isSpam);
    }

    /// <summary>A word of <paramref name="pool"/>, the first ones far more often (rank r about 1/r), as in real text.</summary>
    private string Zipf(string[] pool)
    {
        var index = (int)(pool.Length * Math.Pow(_random.NextDouble(), 2.5));
        return pool[Math.Min(index, pool.Length - 1)];
    }

    private string Pick(string[] values) => values[_random.Next(values.Length)];

    /// <summary>Quoted-printable with soft line breaks every 60 characters, so that words are cut across lines.</summary>
    private static string QuotedPrintable(string text)
    {
        var qp = new StringBuilder();
        var line = 0;
        foreach (var c in text.Replace("\r\n", "\n", StringComparison.Ordinal))
        {
            if (c == '\n')
            {
                qp.Append("\r\n");
                line = 0;
                continue;
            }
            var piece = c is '=' or > '~' ? string.Concat(Encoding.UTF8.GetBytes(c.ToString()).Select(b => "=" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))) : c.ToString();
            if (line + piece.Length > 60)
            {
                qp.Append("=\r\n");
                line = 0;
            }
            qp.Append(piece);
            line += piece.Length;
        }
        return qp.ToString();
    }

    /// <summary>Users of example.com to train, made as an older migration test does it, in SQL; their ids in order.</summary>
    public static async Task<long[]> UsersAsync(TestServices services, params string[] names)
    {
        await using var connection = await services.Get<Database>().OpenAsync();
        await connection.ExecuteAsync("INSERT INTO domains(name, created_at) VALUES ('example.com', '2026-01-01')");
        var ids = new List<long>();
        foreach (var name in names)
        {
            ids.Add(await connection.ExecuteScalarAsync<long>("""
                INSERT INTO users(address, domain_id, display_name, password_hash, created_at, security_stamp)
                    SELECT @address, id, @name, 'x', '2026-01-01', 's' FROM domains WHERE name = 'example.com';
                SELECT last_insert_rowid();
                """, new { address = name + "@example.com", name }));
        }
        return ids.ToArray();
    }
}
