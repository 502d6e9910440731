using System.Globalization;
using System.Text;

namespace WebmailBench;

/// <summary>One generated message: its bytes and the date it arrived.</summary>
public sealed record GeneratedMessage(byte[] Bytes, DateTimeOffset InternalDate);

/// <summary>
/// Realistic, varied office mail from a seeded random generator, so that every run (and both servers)
/// get the same bytes: 2–8 KiB each, senders and subjects from a vocabulary, about a third replies
/// (In-Reply-To and References to an earlier message, so conversations exist), about 10% with a small
/// attachment, arrival dates over three years in order. <see cref="RareWord"/> is in the body of exactly
/// <see cref="RareCount"/> messages, <see cref="CommonWord"/> in the body of every other message.
/// </summary>
public sealed class MailGenerator
{
    public const string RareWord = "zanzibarquokka";
    public const int RareCount = 10;
    public const string CommonWord = "roadmap";
    public const string Recipient = "bob@example.com";

    private static readonly string[] FirstNames =
    [
        "Anna", "Ben", "Chloé", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Karin", "Luca", "Marta", "Nils", "Olga",
        "Pablo", "Quentin", "Rosa", "Stefan", "Tanja", "Ugo", "Vera", "Walter", "Xenia", "Yusuf", "Zoé", "Lena", "Marco", "Sofia", "Tom",
    ];

    private static readonly string[] LastNames =
    [
        "Bauer", "Rossi", "Dubois", "García", "Keller", "Martin", "Schmidt", "Bianchi", "Moreau", "López", "Weber", "Romano", "Lefebvre",
        "Fernández", "Fischer", "Ricci", "Girard", "Navarro", "Wagner", "Colombo", "Laurent", "Ortega", "Becker", "Greco", "Fontaine",
    ];

    private static readonly string[] Domains =
    [
        "example.org", "client-co.example", "supplier.example", "lawfirm.example", "bank.example", "agency.example",
        "partner.example", "example.net", "city-hall.example", "school.example",
    ];

    private static readonly string[] SubjectHeads =
    [
        "Quarterly figures", "Invoice", "Meeting notes", "Project update", "Contract draft", "Travel plans", "Team lunch",
        "Budget review", "Customer feedback", "Delivery schedule", "Holiday rota", "Offer", "Training session", "Website changes",
        "Press release", "Board meeting", "Insurance renewal", "Office move", "Recruitment", "Support ticket", "Tax documents",
        "Product launch", "Price list", "Workshop agenda", "Supplier audit", "Newsletter", "Parking permits", "Server maintenance",
    ];

    private static readonly string[] SubjectTails =
    [
        "for March", "for the north region", "– please review", "(final)", "v2", "next week", "tomorrow", "— questions",
        "and next steps", "for approval", "from Friday", "2026", "Q3", "update", "reminder", "", "", "",
    ];

    private static readonly string[] Words =
    (
        "the a of to and in for on with at by from about as into over after before between under during without through " +
        "we you they our your their this that these those it is are was were be been will would could should can may must " +
        "please thanks regards hello dear team client customer supplier office meeting call report invoice payment order " +
        "contract proposal budget forecast schedule deadline delivery project task review approval draft version figures " +
        "numbers sales revenue cost price discount quote offer agreement policy process update question answer issue problem " +
        "solution plan week month quarter year today tomorrow yesterday morning afternoon evening monday tuesday wednesday " +
        "thursday friday send sent attach attached find found check checked confirm confirmed agree agreed discuss discussed " +
        "prepare prepared share shared need needed want expect expected include included change changed move moved " +
        "room floor building car train flight hotel lunch dinner coffee printer laptop phone screen network server backup " +
        "account password login access document file folder list table chart slide presentation spreadsheet summary minutes " +
        "legal finance marketing sales support design engineering operations management board director manager assistant " +
        "new old next last first second final early late quick short long important urgent small large good great happy " +
        "sorry glad sure clear open closed ready pending available busy free full half whole every each other same different"
    ).Split(' ');

    private readonly Random _random;
    private readonly DateTimeOffset _start;
    private readonly double _spanSeconds;
    private readonly int _count;
    private readonly HashSet<int> _rare;
    private readonly List<(string Id, string Subject, string? Root, string From)> _recent = [];
    private int _next;
    private DateTimeOffset _last;

    public MailGenerator(int count, int seed, DateTimeOffset end)
    {
        _count = count;
        _random = new Random(seed);
        _start = end.AddYears(-3);
        _spanSeconds = (end - _start).TotalSeconds;
        _last = _start;
        _rare = [];
        while (_rare.Count < Math.Min(RareCount, count))
        {
            _rare.Add(_random.Next(count));
        }
    }

    /// <summary>How many generated messages carry <see cref="CommonWord"/> so far.</summary>
    public int CommonCount { get; private set; }

    /// <summary>How many generated messages are replies so far.</summary>
    public int Replies { get; private set; }

    /// <summary>How many generated messages have an attachment so far.</summary>
    public int Attachments { get; private set; }

    public bool HasNext => _next < _count;

    public GeneratedMessage Next()
    {
        var index = _next++;
        // Arrivals in order, spread evenly over the span with some jitter: UIDs follow arrival as on a real server.
        var slot = _spanSeconds / _count;
        var date = _start.AddSeconds(index * slot + _random.NextDouble() * slot * 0.9);
        if (date <= _last)
        {
            date = _last.AddSeconds(1);
        }
        _last = date;

        var fromName = $"{Pick(FirstNames)} {Pick(LastNames)}";
        var fromAddress = Address(fromName, Pick(Domains));
        string subject;
        string? inReplyTo = null;
        string? references = null;
        string? root = null;
        if (_recent.Count > 20 && _random.NextDouble() < 0.33)
        {
            var parent = _recent[_recent.Count - 1 - _random.Next(Math.Min(_recent.Count, 200))];
            subject = parent.Subject.StartsWith("Re: ", StringComparison.Ordinal) ? parent.Subject : "Re: " + parent.Subject;
            inReplyTo = parent.Id;
            root = parent.Root ?? parent.Id;
            references = root == parent.Id ? parent.Id : root + " " + parent.Id;
            Replies++;
        }
        else
        {
            subject = $"{Pick(SubjectHeads)} {Pick(SubjectTails)}".Trim();
        }
        var messageId = $"<{index}.{_random.Next():x8}@{fromAddress[(fromAddress.IndexOf('@', StringComparison.Ordinal) + 1)..]}>";
        _recent.Add((messageId, subject, root, fromName));
        if (_recent.Count > 400)
        {
            _recent.RemoveRange(0, 200);
        }

        var target = 2048 + _random.Next(6 * 1024);
        var withAttachment = _random.NextDouble() < 0.10;
        var body = new StringBuilder();
        body.Append("Hello Bob,\r\n\r\n");
        var planted = new List<string>();
        if (_rare.Contains(index))
        {
            planted.Add(RareWord);
        }
        if (index % 2 == 0)
        {
            planted.Add(CommonWord);
            CommonCount++;
        }
        var textTarget = withAttachment ? target - 1400 : target - 600;
        while (body.Length < textTarget)
        {
            body.Append(Paragraph(planted)).Append("\r\n\r\n");
            planted.Clear();
        }
        body.Append("Kind regards,\r\n").Append(fromName).Append("\r\n");

        var header = new StringBuilder();
        header.Append("Return-Path: <").Append(fromAddress).Append(">\r\n");
        header.Append("From: ").Append(Display(fromName)).Append(" <").Append(fromAddress).Append(">\r\n");
        header.Append("To: Bob Keller <").Append(Recipient).Append(">\r\n");
        if (_random.NextDouble() < 0.2)
        {
            var cc = $"{Pick(FirstNames)} {Pick(LastNames)}";
            header.Append("Cc: ").Append(Display(cc)).Append(" <").Append(Address(cc, "example.com")).Append(">\r\n");
        }
        header.Append("Subject: ").Append(EncodeHeader(subject)).Append("\r\n");
        header.Append("Date: ").Append(date.AddSeconds(-_random.Next(600)).ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        header.Append("Message-ID: ").Append(messageId).Append("\r\n");
        if (inReplyTo is not null)
        {
            header.Append("In-Reply-To: ").Append(inReplyTo).Append("\r\n");
            header.Append("References: ").Append(references).Append("\r\n");
        }
        header.Append("MIME-Version: 1.0\r\n");

        var text = new StringBuilder();
        if (withAttachment)
        {
            Attachments++;
            var boundary = $"----=_Part_{index}_{_random.Next():x8}";
            var file = new byte[300 + _random.Next(500)];
            _random.NextBytes(file);
            var name = $"{Pick(["report", "invoice", "scan", "minutes", "photo"])}-{index}.{Pick(["pdf", "png", "docx", "xlsx"])}";
            header.Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\r\n");
            text.Append(header).Append("\r\n");
            text.Append("This is a multi-part message in MIME format.\r\n\r\n");
            text.Append("--").Append(boundary).Append("\r\n");
            text.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            text.Append(body).Append("\r\n");
            text.Append("--").Append(boundary).Append("\r\n");
            text.Append("Content-Type: application/octet-stream; name=\"").Append(name).Append("\"\r\n");
            text.Append("Content-Disposition: attachment; filename=\"").Append(name).Append("\"\r\n");
            text.Append("Content-Transfer-Encoding: base64\r\n\r\n");
            var encoded = Convert.ToBase64String(file);
            for (var i = 0; i < encoded.Length; i += 76)
            {
                text.Append(encoded, i, Math.Min(76, encoded.Length - i)).Append("\r\n");
            }
            text.Append("--").Append(boundary).Append("--\r\n");
        }
        else
        {
            header.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
            text.Append(header).Append("\r\n").Append(body);
        }
        return new GeneratedMessage(Encoding.UTF8.GetBytes(text.ToString()), date);
    }

    private string Paragraph(List<string> planted)
    {
        var sentences = 2 + _random.Next(4);
        var paragraph = new StringBuilder();
        var lineLength = 0;
        for (var s = 0; s < sentences; s++)
        {
            var words = 6 + _random.Next(12);
            for (var w = 0; w < words; w++)
            {
                var word = planted.Count > 0 && s == 0 && w == 3 ? string.Join(' ', planted) : Pick(Words);
                if (w == 0)
                {
                    word = char.ToUpperInvariant(word[0]) + word[1..];
                }
                if (w == words - 1)
                {
                    word += ".";
                }
                // Lines under 78 characters, as mail clients wrap them (RFC 5322 §2.1.1).
                if (lineLength + word.Length + 1 > 76)
                {
                    paragraph.Append("\r\n");
                    lineLength = 0;
                }
                else if (lineLength > 0)
                {
                    paragraph.Append(' ');
                    lineLength++;
                }
                paragraph.Append(word);
                lineLength += word.Length;
            }
        }
        return paragraph.ToString();
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private static string Address(string name, string domain)
    {
        var local = new StringBuilder();
        foreach (var c in name.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                local.Append(c);
            }
            else if (c == ' ')
            {
                local.Append('.');
            }
        }
        return local + "@" + domain;
    }

    private static string Display(string name) => name.All(char.IsAscii) ? "\"" + name + "\"" : EncodeHeader(name);

    /// <summary>Subjects with non-ASCII letters as RFC 2047 encoded words, as clients send them.</summary>
    private static string EncodeHeader(string value) =>
        value.All(char.IsAscii) ? value : "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) + "?=";
}
