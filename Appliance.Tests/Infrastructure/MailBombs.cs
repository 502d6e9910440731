using System.Globalization;
using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// The mail bombs of issue 9, generated deterministically and streamed: each writes its message to a stream in
/// small pieces, so a 40 MB bomb never sits in a string. <see cref="Scale"/> 1 is the sizes (the bench);
/// the test runs them all at that size by default, and MAILBOMB_SCALE makes the size-driven ones smaller or larger.
/// Every bomb's subject starts with "bomb " and its name, so a list or a search finds it.
/// </summary>
public static class MailBombs
{
    /// <summary>The scale the test runs: the sizes (the whole run takes well under a minute).</summary>
    public const double TestScale = 1;

    /// <param name="Marked">Whether the webmail says it shows the message in part (a limit cut it); the others are shown whole.</param>
    public sealed record Bomb(string Name, string What, Action<Stream, double> Write, bool Marked = true)
    {
        public string Subject => "bomb " + Name;

        public byte[] ToArray(double scale)
        {
            using var buffer = new MemoryStream();
            Write(buffer, scale);
            return buffer.ToArray();
        }

        public override string ToString() => Name;
    }

    public static IReadOnlyList<Bomb> All { get; } =
    [
        new("nested-multiparts", "10,000 nested multipart/mixed, each with its own boundary", NestedMultiparts),
        new("many-parts", "100,000 text/plain parts in one multipart", ManyParts),
        new("many-attachments", "20,000 base64 attachments with file names", ManyAttachments),
        new("nested-messages", "10,000 nested message/rfc822", NestedMessages),
        new("huge-header-folded", "one header field of 49 MB (scaled), folded every 76 characters", HugeHeaderFolded),
        new("huge-header-unfolded", "one header field of 49 MB (scaled) on one line", HugeHeaderUnfolded),
        new("many-fields", "500,000 header fields", ManyFields),
        new("huge-subject", "a 40 MB (scaled) subject of encoded words", HugeSubject),
        new("many-recipients", "200,000 addresses in To", ManyRecipients),
        new("huge-quoted-printable", "40 MB (scaled) of quoted-printable text", HugeQuotedPrintable),
        new("broken-encodings", "broken base64, unclosed and repeated boundaries, stray delimiters", BrokenEncodings),
        new("rare-charsets", "5,000 parts in rare, unknown and stateful charsets", RareCharsets, Marked: false),
        new("rfc2231-storm", "Content-Type and Content-Disposition with 50,000 RFC 2231 continuations each, in 200 parts", Rfc2231Storm),
        new("deep-html", "HTML nested 50,000 elements deep", DeepHtml),
        new("over-the-size-limit", "60 MB (scaled) of text, over SMTP's 50 MiB limit at full scale: refused with 552 5.3.4", OverTheSizeLimit),
    ];

    public static Bomb Named(string name) => All.Single(b => b.Name == name);

    private static void Header(TextWriter w, string name, string contentType = "text/plain; charset=us-ascii")
    {
        w.Write("From: Mallory <mallory@bombs.example>\r\n");
        w.Write("To: alice@example.com\r\n");
        w.Write("Subject: bomb " + name + "\r\n");
        w.Write("Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n");
        w.Write("Message-ID: <" + name + "@bombs.example>\r\n");
        w.Write("MIME-Version: 1.0\r\n");
        w.Write("Content-Type: " + contentType + "\r\n");
    }

    private static StreamWriter Writer(Stream s) => new(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\r\n" };

    private static int Scaled(int full, double scale) => Math.Max(1, (int)(full * scale));

    private static string N(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static void NestedMultiparts(Stream s, double _)
    {
        const int depth = 10_000;
        using var w = Writer(s);
        Header(w, "nested-multiparts", "multipart/mixed; boundary=\"b0\"");
        w.Write("\r\n");
        for (var i = 0; i < depth; i++)
        {
            w.Write("--b" + N(i) + "\r\nContent-Type: multipart/mixed; boundary=\"b" + N(i + 1) + "\"\r\n\r\n");
        }
        w.Write("--b" + N(depth) + "\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n--b" + N(depth) + "--\r\n");
        for (var i = depth - 1; i >= 0; i--)
        {
            w.Write("--b" + N(i) + "--\r\n");
        }
    }

    private static void ManyParts(Stream s, double _)
    {
        const int parts = 100_000;
        using var w = Writer(s);
        Header(w, "many-parts", "multipart/mixed; boundary=\"p\"");
        w.Write("\r\n");
        for (var i = 0; i < parts; i++)
        {
            w.Write("--p\r\n\r\npart " + N(i) + "\r\n");
        }
        w.Write("--p--\r\n");
    }

    private static void ManyAttachments(Stream s, double _)
    {
        const int attachments = 20_000;
        using var w = Writer(s);
        Header(w, "many-attachments", "multipart/mixed; boundary=\"a\"");
        w.Write("\r\n--a\r\nContent-Type: text/plain\r\n\r\nSee the attached files.\r\n");
        for (var i = 0; i < attachments; i++)
        {
            w.Write("--a\r\nContent-Type: application/octet-stream; name=\"file" + N(i) + ".bin\"\r\n"
                + "Content-Disposition: attachment; filename=\"file" + N(i) + ".bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n");
        }
        w.Write("--a--\r\n");
    }

    private static void NestedMessages(Stream s, double _)
    {
        const int depth = 10_000;
        using var w = Writer(s);
        Header(w, "nested-messages", "message/rfc822");
        w.Write("\r\n");
        for (var i = 0; i < depth; i++)
        {
            w.Write("From: level" + N(i) + "@bombs.example\r\nSubject: level " + N(i) + "\r\nContent-Type: message/rfc822\r\n\r\n");
        }
        w.Write("Subject: the bottom\r\n\r\nthe bottom\r\n");
    }

    private static void HugeHeaderFolded(Stream s, double scale)
    {
        var bytes = Scaled(49_000_000, scale);
        using var w = Writer(s);
        Header(w, "huge-header-folded");
        w.Write("X-Huge:");
        var line = " " + new string('f', 75) + "\r\n";
        for (var written = 0; written < bytes; written += line.Length)
        {
            w.Write(line);
        }
        w.Write("\r\nthe body\r\n");
    }

    private static void HugeHeaderUnfolded(Stream s, double scale)
    {
        var bytes = Scaled(49_000_000, scale);
        using var w = Writer(s);
        Header(w, "huge-header-unfolded");
        w.Write("X-Huge: ");
        var chunk = new string('u', 4096);
        for (var written = 0; written < bytes; written += chunk.Length)
        {
            w.Write(chunk);
        }
        w.Write("\r\n\r\nthe body\r\n");
    }

    private static void ManyFields(Stream s, double _)
    {
        const int fields = 500_000;
        using var w = Writer(s);
        Header(w, "many-fields");
        for (var i = 0; i < fields; i++)
        {
            w.Write("X-F" + N(i) + ": v\r\n");
        }
        w.Write("\r\nthe body\r\n");
    }

    private static void HugeSubject(Stream s, double scale)
    {
        var bytes = Scaled(40_000_000, scale);
        using var w = Writer(s);
        w.Write("From: Mallory <mallory@bombs.example>\r\nTo: alice@example.com\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\n");
        w.Write("Message-ID: <huge-subject@bombs.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n");
        w.Write("Subject: bomb huge-subject");
        // Encoded words (RFC 2047), so the decoder works for every byte.
        var word = " =?utf-8?q?=C3=A9t=C3=A9_abcdefghijklmnopqrstuvwxyz0123456789?=\r\n";
        for (var written = 0; written < bytes; written += word.Length)
        {
            w.Write(word);
        }
        w.Write("\r\nthe body\r\n");
    }

    private static void ManyRecipients(Stream s, double _)
    {
        const int recipients = 200_000;
        using var w = Writer(s);
        w.Write("From: Mallory <mallory@bombs.example>\r\nSubject: bomb many-recipients\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\n");
        w.Write("Message-ID: <many-recipients@bombs.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nTo: alice@example.com");
        for (var i = 0; i < recipients; i++)
        {
            w.Write(",\r\n \"User " + N(i) + "\" <u" + N(i) + "@example.net>");
        }
        w.Write("\r\n\r\nthe body\r\n");
    }

    private static void HugeQuotedPrintable(Stream s, double scale)
    {
        var bytes = Scaled(40_000_000, scale);
        using var w = Writer(s);
        Header(w, "huge-quoted-printable", "text/plain; charset=utf-8");
        w.Write("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        var line = "Caf=C3=A9 cr=C3=A8me br=C3=BBl=C3=A9e, quoted-printable text that goes on and on=\r\n";
        for (var written = 0; written < bytes; written += line.Length)
        {
            w.Write(line);
        }
        w.Write("the end\r\n");
    }

    private static void BrokenEncodings(Stream s, double _)
    {
        using var w = Writer(s);
        Header(w, "broken-encodings", "multipart/mixed; boundary=\"x\"");
        w.Write("\r\npreamble\r\n");
        for (var i = 0; i < 2_000; i++)
        {
            // Broken base64: stray characters, padding in the middle, a truncated quantum.
            w.Write("--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            w.Write("SGVsbG8g!!d29y==bGQ*\r\nQUJD%RE=VGR0\r\nQUJ\r\n");
            // A multipart whose boundary never closes, and one with an empty boundary.
            w.Write("--x\r\nContent-Type: multipart/alternative; boundary=\"never" + N(i) + "\"\r\n\r\n--never" + N(i) + "\r\n\r\nopen\r\n");
            w.Write("--x\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n----\r\n\r\n");
            // Quoted-printable with bad escapes and a soft break at the very end.
            w.Write("--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=4=\r\n=\r\n");
            w.Write("--xx not a delimiter\r\n");
        }
        w.Write("--x\r\n\r\nthe last part has no close delimiter\r\n");
    }

    private static void RareCharsets(Stream s, double _)
    {
        string[] charsets = ["utf-7", "iso-2022-jp", "gb18030", "koi8-r", "ibm037", "x-unknown-charset", "utf-32be", "shift_jis", "windows-1258", "big5-hkscs", "", "utf-16"];
        using var w = Writer(s);
        Header(w, "rare-charsets", "multipart/mixed; boundary=\"c\"");
        w.Write("\r\n");
        for (var i = 0; i < 5_000; i++)
        {
            var charset = charsets[i % charsets.Length];
            w.Write("--c\r\nContent-Type: text/plain; charset=\"" + charset + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            w.Write("GyRCJCIbKEIrAGQAZQAt/v8AAP7/2D3eAPAAAAA=\r\n");
        }
        w.Write("--c--\r\n");
    }

    private static void Rfc2231Storm(Stream s, double _)
    {
        const int continuations = 50_000;
        using var w = Writer(s);
        Header(w, "rfc2231-storm", "multipart/mixed; boundary=\"r\"");
        w.Write("\r\n");
        for (var part = 0; part < 200; part++)
        {
            w.Write("--r\r\nContent-Type: application/octet-stream");
            // Out of order on purpose: the decoder must sort them.
            for (var i = continuations - 1; i >= 0; i--)
            {
                w.Write(";\r\n name*" + N(i) + "*=utf-8''%C3%A9" + N(i));
            }
            w.Write("\r\nContent-Disposition: attachment");
            for (var i = 0; i < continuations; i++)
            {
                w.Write(";\r\n filename*" + N(i) + "=\"f" + N(i) + "\"");
            }
            w.Write("\r\n\r\ndata\r\n");
            if (part == 0)
            {
                // Only the first part is storm-sized; the rest repeat the parameter names, a dictionary's worst case.
                break;
            }
        }
        for (var part = 1; part < 200; part++)
        {
            w.Write("--r\r\nContent-Type: application/octet-stream");
            for (var i = 0; i < 250; i++)
            {
                w.Write("; name*" + N(i) + "*=utf-8''%C3%A9");
            }
            w.Write("\r\n\r\ndata\r\n");
        }
        w.Write("--r--\r\n");
    }

    private static void OverTheSizeLimit(Stream s, double scale)
    {
        var bytes = Scaled(60_000_000, scale);
        using var w = Writer(s);
        Header(w, "over-the-size-limit");
        w.Write("\r\n");
        var line = new string('o', 998) + "\r\n";
        for (var written = 0; written < bytes; written += line.Length)
        {
            w.Write(line);
        }
    }

    private static void DeepHtml(Stream s, double _)
    {
        const int depth = 50_000;
        using var w = Writer(s);
        Header(w, "deep-html", "text/html; charset=utf-8");
        w.Write("\r\n<html><body>");
        for (var i = 0; i < depth; i++)
        {
            w.Write(i % 2 == 0 ? "<div>" : "<span>");
        }
        w.Write("deep text");
        for (var i = depth - 1; i >= 0; i--)
        {
            w.Write(i % 2 == 0 ? "</div>" : "</span>");
        }
        w.Write("</body></html>\r\n");
    }
}
