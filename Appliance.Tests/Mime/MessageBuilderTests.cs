using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class MessageBuilderTests
{
    private static readonly DateTimeOffset Date = new(2025, 7, 1, 10, 52, 37, TimeSpan.FromHours(2));

    private static MessageBuilder NewBuilder() => new("appliance.example.org")
    {
        From = new MailboxAddress("Anna Smith", "anna@example.com"),
        To = { new MailboxAddress(null, "bob@example.org") },
        Subject = "Hello",
        Date = Date,
    };

    private static void AssertCrlfOnly(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                Assert.True(i > 0 && bytes[i - 1] == '\r', $"bare LF at {i}");
            }
        }
    }

    private static void AssertLineLengths(byte[] bytes, int max)
    {
        foreach (var line in Encoding.UTF8.GetString(bytes).Split("\r\n"))
        {
            Assert.True(line.Length <= max, line);
        }
    }

    [Fact]
    public void Text_message_has_the_standard_header()
    {
        var builder = NewBuilder();
        builder.TextBody = "Hi Bob,\nplain ASCII.\n";
        var bytes = builder.ToArray();
        var text = Encoding.ASCII.GetString(bytes);
        Assert.StartsWith("Date: Tue, 1 Jul 2025 10:52:37 +0200\r\nFrom: Anna Smith <anna@example.com>\r\nTo: bob@example.org\r\nSubject: Hello\r\nMessage-ID: <", text, StringComparison.Ordinal);
        Assert.Contains("@appliance.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi Bob,\r\nplain ASCII.\r\n", text, StringComparison.Ordinal);
        AssertCrlfOnly(bytes);
        var message = MimeMessage.Parse(bytes);
        Assert.Equal(Date, message.Date);
        Assert.Equal("Hi Bob,\r\nplain ASCII.\r\n", message.Root.GetText());
    }

    [Fact]
    public void Address_fields_groups_and_threading_fields_are_written()
    {
        var builder = NewBuilder();
        builder.Sender = new MailboxAddress(null, "secretary@example.com");
        builder.ReplyTo.Add(new MailboxAddress("Sales", "sales@example.com"));
        builder.Cc.Add(new GroupAddress("Board", [new MailboxAddress("Zoë", "zoe@example.se"), new MailboxAddress(null, "x@example.se")]));
        builder.InReplyTo = "<parent@example.com>";
        builder.References.AddRange(["<root@example.com>", "<parent@example.com>"]);
        builder.MessageId = "<fixed@example.com>";
        builder.TextBody = "x";
        var message = builder.Build();
        Assert.Equal("secretary@example.com", message.Headers.GetValue("Sender"));
        Assert.Equal("Sales <sales@example.com>", message.Headers.GetValue("Reply-To"));
        var board = Assert.IsType<GroupAddress>(Assert.Single(AddressParser.ParseList(message.Headers.GetValue("Cc")!)));
        Assert.Equal(["Zoë", null], board.Members.Select(m => m.DisplayName));
        Assert.Equal("<fixed@example.com>", message.MessageId);
        Assert.Equal("<root@example.com> <parent@example.com>", message.Headers.GetValue("References"));
        Assert.Equal("<parent@example.com>", message.GetEnvelope().InReplyTo);
    }

    [Fact]
    public void Message_ids_are_random_at_the_hostname()
    {
        var a = MessageBuilder.NewMessageId("mx.example.org");
        Assert.Matches("^<[0-9a-f]{32}@mx\\.example\\.org>$", a);
        Assert.NotEqual(a, MessageBuilder.NewMessageId("mx.example.org"));
    }

    [Fact]
    public void Html_with_plain_alternative_inline_image_and_attachment_nest_correctly()
    {
        var builder = NewBuilder();
        builder.TextBody = "Plain";
        builder.HtmlBody = "<p>HTML <img src=\"cid:logo@x\"></p>";
        builder.AddInline("logo@x", new ContentType("image", "png"), [0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255]);
        builder.Attach("Résumé.pdf", new ContentType("application", "pdf"), Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray());
        var bytes = builder.ToArray();
        AssertCrlfOnly(bytes);
        AssertLineLengths(bytes, 78);
        var message = MimeMessage.Parse(bytes);
        var root = message.Root;
        Assert.Equal("multipart/mixed", root.ContentType.MimeType);
        var alternative = root.Children[0];
        Assert.Equal("multipart/alternative", alternative.ContentType.MimeType);
        Assert.Equal("Plain", alternative.Children[0].GetText());
        var related = alternative.Children[1];
        Assert.Equal("multipart/related", related.ContentType.MimeType);
        Assert.Equal("text/html", related.ContentType.Parameters["type"]);
        Assert.Equal("<p>HTML <img src=\"cid:logo@x\"></p>", related.Children[0].GetText());
        Assert.Equal("<logo@x>", related.Children[1].ContentId);
        Assert.Equal("base64", related.Children[1].ContentTransferEncoding);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255 }, related.Children[1].GetContent());
        var attachment = root.Children[1];
        Assert.Equal("Résumé.pdf", attachment.FileName);
        Assert.True(attachment.ContentDisposition!.IsAttachment);
        Assert.Equal(3000, attachment.GetContent().Length);
    }

    [Fact]
    public void Transfer_encoding_is_chosen_from_the_content()
    {
        var text = new ContentType("text", "plain");
        Assert.Equal("7bit", LeafPart.ChooseEncoding(text, "plain\r\nascii"u8));
        Assert.Equal("quoted-printable", LeafPart.ChooseEncoding(text, Encoding.UTF8.GetBytes("Grüße aus Köln, wie geht es dir heute? Mir geht es gut.")));
        Assert.Equal("quoted-printable", LeafPart.ChooseEncoding(text, Encoding.ASCII.GetBytes(new string('x', 1200))));
        Assert.Equal("base64", LeafPart.ChooseEncoding(text, Encoding.UTF8.GetBytes("日本語のテキスト")));
        Assert.Equal("base64", LeafPart.ChooseEncoding(new ContentType("image", "png"), "ascii"u8));
        Assert.Equal("8bit", LeafPart.ChooseEncoding(ContentType.MessageRfc822, Encoding.UTF8.GetBytes("Subject: é\r\n\r\n")));
    }

    [Fact]
    public void Non_ascii_headers_are_encoded_and_long_ones_folded()
    {
        var builder = NewBuilder();
        builder.Subject = "Grüße aus Köln — " + string.Concat(Enumerable.Repeat("ein sehr langer Betreff ", 8));
        for (var i = 0; i < 12; i++)
        {
            builder.To.Add(new MailboxAddress($"Zoë Ångström {i}", $"zoe{i}@example.se"));
        }
        builder.TextBody = "x";
        var bytes = builder.ToArray();
        Assert.All(bytes, b => Assert.True(b < 128));
        AssertLineLengths(bytes, 78);
        var message = MimeMessage.Parse(bytes);
        // Folding trims the value: the trailing space does not survive.
        Assert.Equal(builder.Subject.TrimEnd(), message.Subject);
        Assert.Equal(13, message.To.Count);
        Assert.Equal(("Zoë Ångström 11", "zoe11@example.se"), (message.To[12].DisplayName, message.To[12].AddrSpec));
    }

    [Fact]
    public void Line_breaks_in_header_values_cannot_inject_fields()
    {
        var builder = NewBuilder();
        builder.Subject = "Hi\r\nBcc: victim@example.net";
        builder.TextBody = "x";
        var message = builder.Build();
        Assert.False(message.Headers.Contains("Bcc"));
        Assert.Equal("Hi Bcc: victim@example.net", message.Subject);
    }

    [Fact]
    public void Dsn_is_a_multipart_report_with_delivery_status_and_headers()
    {
        var status = new LeafPart(new ContentType("message", "delivery-status"),
            "Reporting-MTA: dns; appliance.example.org\r\n\r\nFinal-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"u8.ToArray());
        var headers = new LeafPart(new ContentType("text", "rfc822-headers"), "From: anna@example.com\r\nSubject: Hello\r\n"u8.ToArray());
        var report = new MultipartPart("report", LeafPart.Text("Your message could not be delivered."), status, headers);
        report.Parameters.Add(new MimeParameter("report-type", "delivery-status"));
        var builder = new MessageBuilder("appliance.example.org")
        {
            From = new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@appliance.example.org"),
            To = { new MailboxAddress(null, "anna@example.com") },
            Subject = "Undelivered Mail Returned to Sender",
            Headers = { new("Auto-Submitted", "auto-replied") },
            Body = report,
        };
        var message = builder.Build();
        Assert.Equal("auto-replied", message.Headers.GetValue("Auto-Submitted"));
        Assert.Equal("multipart/report", message.Root.ContentType.MimeType);
        Assert.Equal("delivery-status", message.Root.ContentType.Parameters["report-type"]);
        Assert.Equal(["text/plain", "message/delivery-status", "text/rfc822-headers"], message.Root.Children.Select(c => c.ContentType.MimeType));
        Assert.Equal("7bit", message.Root.Children[1].ContentTransferEncoding);
        Assert.Contains("Status: 5.1.1", message.Root.Children[1].GetText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Message_rfc822_leaf_is_parsed_back_as_a_nested_message()
    {
        var inner = NewBuilder();
        inner.TextBody = "inner";
        var builder = NewBuilder();
        builder.Body = new MultipartPart("mixed", LeafPart.Text("outer"), new LeafPart(ContentType.MessageRfc822, inner.ToArray()));
        var message = builder.Build();
        Assert.Equal("inner", message.Root.Children[1].Message!.Root.GetText());
    }
}
