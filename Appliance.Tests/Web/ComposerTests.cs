using System.Text;
using Appliance.Mime;
using Appliance.Web.Mail;

namespace Appliance.Tests.Web;

public sealed class ComposerTests
{
    private static readonly MailboxAddress Bob = new("Bob", "bob@example.com");
    private static readonly DateTimeOffset Now = new(2025, 3, 4, 10, 30, 0, TimeSpan.Zero);

    private static MimeMessage Parse(string text) => MimeMessage.Parse(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n")));

    [Fact]
    public void ParseRecipients_reads_names_bare_addresses_and_both_separators()
    {
        var list = Composer.ParseRecipients("Carol <carol@example.com>; dave@example.com,\"Doe, John\" <john@example.org> ,");

        Assert.True(list.IsValid);
        Assert.Equal(["carol@example.com", "dave@example.com", "john@example.org"], list.Addresses.Select(a => a.AddrSpec));
        Assert.Equal("Doe, John", list.Addresses[2].DisplayName);
    }

    [Theory]
    [InlineData("bob@")]
    [InlineData("not an address")]
    [InlineData("@example.com")]
    [InlineData("a@b@c")]
    public void ParseRecipients_lists_what_is_not_an_address(string entry)
    {
        var list = Composer.ParseRecipients("carol@example.com, " + entry);

        Assert.False(list.IsValid);
        Assert.Equal([entry], list.Invalid);
        Assert.Equal(["carol@example.com"], list.Addresses.Select(a => a.AddrSpec));
    }

    [Fact]
    public void Build_makes_text_and_html_alternatives_attachments_and_headers()
    {
        var model = new ComposeModel
        {
            To = "Carol <carol@example.com>",
            Cc = "dave@example.com",
            Bcc = "eve@example.com",
            Subject = "Plans für Mittwoch",
            Html = "<p>Hello <b>Carol</b> &amp; all</p>",
            InReplyTo = "<a@x>",
            References = ["<r@x> <a@x>"],
            Attachments = [new ComposeAttachment("plan.pdf", "application/pdf", [1, 2, 3, 0, 255])],
        };

        var message = MimeMessage.Parse(Composer.Build(model, Bob, "mail.example.com", Now, includeBcc: true));

        Assert.Equal("Plans für Mittwoch", message.Subject);
        Assert.Equal(["carol@example.com"], message.To.Select(a => a.AddrSpec));
        Assert.Equal(["dave@example.com"], message.Cc.Select(a => a.AddrSpec));
        Assert.Equal("eve@example.com", message.Headers.GetValue("Bcc"));
        Assert.Equal(Now, message.Date);
        Assert.EndsWith("@mail.example.com>", message.MessageId, StringComparison.Ordinal);
        Assert.Equal("<a@x>", message.Headers.GetValue("In-Reply-To"));
        Assert.Equal("<r@x> <a@x>", message.Headers.GetValue("References"));
        Assert.True(message.Root.ContentType.Is("multipart", "mixed"));
        var alternative = message.Root.Children[0];
        Assert.True(alternative.ContentType.Is("multipart", "alternative"));
        Assert.Equal("Hello Carol & all", alternative.Children[0].GetText().TrimEnd());
        Assert.True(alternative.Children[1].ContentType.Is("text", "html"));
        Assert.Contains("<p>Hello <b>Carol</b> &amp; all</p>", alternative.Children[1].GetText(), StringComparison.Ordinal);
        var attachment = message.Root.Children[1];
        Assert.Equal("plan.pdf", attachment.FileName);
        Assert.Equal(new byte[] { 1, 2, 3, 0, 255 }, attachment.GetContent());
    }

    [Fact]
    public void Build_leaves_Bcc_out_when_asked_and_refuses_invalid_addresses()
    {
        var model = new ComposeModel { To = "carol@example.com", Bcc = "eve@example.com", Html = "x" };
        Assert.False(MimeMessage.Parse(Composer.Build(model, Bob, "h", Now, includeBcc: false)).Headers.Contains("Bcc"));

        model.Cc = "bob@";
        Assert.Throws<ArgumentException>(() => Composer.Build(model, Bob, "h", Now, includeBcc: false));
    }

    [Fact]
    public void Build_keeps_header_breaking_text_out_of_the_header()
    {
        var model = new ComposeModel { To = "carol@example.com", Subject = "Hi\r\nBcc: victim@example.com", Html = "x", InReplyTo = "<a@x>\r\nX-Evil: 1" };

        var message = MimeMessage.Parse(Composer.Build(model, Bob, "h", Now, includeBcc: false));

        Assert.False(message.Headers.Contains("Bcc"));
        Assert.False(message.Headers.Contains("X-Evil"));
        Assert.Equal("<a@x>", message.Headers.GetValue("In-Reply-To"));
    }

    private const string Original = """
        From: Carol <carol@example.com>
        To: bob@example.com, Dave <dave@example.com>
        Cc: erin@example.com, Bob <BOB@example.com>
        Subject: Lunch?
        Date: Mon, 3 Mar 2025 12:00:00 +0000
        Message-ID: <m2@example.com>
        References: <m0@example.com> <m1@example.com>
        Content-Type: text/plain; charset=utf-8

        Shall we? <script>alert(1)</script> & more

        """;

    [Fact]
    public void Reply_answers_the_sender_with_threading_and_the_original_quoted()
    {
        var reply = Composer.Reply(Parse(Original), Bob, all: false);

        Assert.Equal(ComposeKind.Reply, reply.Kind);
        Assert.Equal("Re: Lunch?", reply.Subject);
        Assert.Equal("Carol <carol@example.com>", reply.To);
        Assert.Equal("", reply.Cc);
        Assert.Equal("<m2@example.com>", reply.InReplyTo);
        Assert.Equal(["<m0@example.com>", "<m1@example.com>", "<m2@example.com>"], reply.References);
        Assert.Contains("On Mon, 3 Mar 2025 at 12:00, Carol &lt;carol@example.com&gt; wrote:", reply.Html, StringComparison.Ordinal);
        Assert.Contains("<blockquote type=\"cite\">Shall we? &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</blockquote>", reply.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", reply.Html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Reply_all_copies_the_others_but_not_me_and_does_not_double_Re()
    {
        var original = Parse(Original.Replace("Subject: Lunch?", "Subject: RE: Lunch?", StringComparison.Ordinal));

        var reply = Composer.Reply(original, Bob, all: true);

        Assert.Equal(ComposeKind.ReplyAll, reply.Kind);
        Assert.Equal("RE: Lunch?", reply.Subject);
        Assert.Equal("Carol <carol@example.com>", reply.To);
        Assert.Equal("Dave <dave@example.com>, erin@example.com", reply.Cc);
    }

    [Fact]
    public void Reply_goes_to_Reply_To_when_there_is_one()
    {
        var original = Parse(Original.Replace("Subject:", "Reply-To: list@example.org\nSubject:", StringComparison.Ordinal));

        Assert.Equal("list@example.org", Composer.Reply(original, Bob, all: false).To);
    }

    [Fact]
    public void Quoted_HTML_original_is_reduced_to_escaped_text()
    {
        var original = Parse("""
            From: mallory@evil.example
            Subject: hi
            Message-ID: <h@evil.example>
            Content-Type: text/html

            <p>Hi <img src=x onerror=alert(1)> &lt;b&gt;not bold&lt;/b&gt;</p><script>steal()</script>

            """);

        var reply = Composer.Reply(original, Bob, all: false);

        Assert.DoesNotContain("<img", reply.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("steal", reply.Html, StringComparison.Ordinal);
        Assert.Contains("Hi &lt;b&gt;not bold&lt;/b&gt;", reply.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_summarises_the_headers_quotes_the_body_and_carries_attachments()
    {
        var original = Parse("""
            From: Carol <carol@example.com>
            To: bob@example.com
            Subject: Fwd: Report
            Date: Mon, 3 Mar 2025 12:00:00 +0000
            Message-ID: <f@example.com>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            See attached.
            --b
            Content-Type: application/pdf; name="r.pdf"
            Content-Disposition: attachment; filename="r.pdf"
            Content-Transfer-Encoding: base64

            AQID
            --b--

            """);

        var forward = Composer.Forward(original);

        Assert.Equal(ComposeKind.Forward, forward.Kind);
        Assert.Equal("Fwd: Report", forward.Subject);
        Assert.Equal("", forward.To);
        Assert.Null(forward.InReplyTo);
        Assert.Contains("From: Carol &lt;carol@example.com&gt;", forward.Html, StringComparison.Ordinal);
        Assert.Contains("Subject: Fwd: Report", forward.Html, StringComparison.Ordinal);
        Assert.Contains("<blockquote type=\"cite\">See attached.</blockquote>", forward.Html, StringComparison.Ordinal);
        var attachment = Assert.Single(forward.Attachments);
        Assert.Equal(("r.pdf", "application/pdf"), (attachment.FileName, attachment.ContentType));
        Assert.Equal(new byte[] { 1, 2, 3 }, attachment.Content);
    }

    [Fact]
    public void Draft_round_trips_through_Build_and_FromDraft()
    {
        var model = new ComposeModel
        {
            Kind = ComposeKind.Reply,
            To = "Carol <carol@example.com>, dave@example.com",
            Cc = "\"Doe, John\" <john@example.org>",
            Bcc = "eve@example.com",
            Subject = "Draft ✓",
            Html = "<p>Half <i>written</i></p>",
            InReplyTo = "<m2@example.com>",
            References = ["<m1@example.com>", "<m2@example.com>"],
            Attachments = [new ComposeAttachment("a.txt", "text/plain", "attached text\r\n"u8.ToArray())],
        };

        var back = Composer.FromDraft(MimeMessage.Parse(Composer.Build(model, Bob, "h", Now, includeBcc: true)));

        Assert.Equal(model.To, back.To);
        Assert.Equal(model.Cc, back.Cc);
        Assert.Equal(model.Bcc, back.Bcc);
        Assert.Equal(model.Subject, back.Subject);
        Assert.Equal(model.Html, back.Html);
        Assert.Equal(model.InReplyTo, back.InReplyTo);
        Assert.Equal(model.References, back.References);
        Assert.Equal(ComposeKind.Reply, back.Kind);
        var attachment = Assert.Single(back.Attachments);
        Assert.Equal(("a.txt", "text/plain", "attached text\r\n"), (attachment.FileName, attachment.ContentType, Encoding.UTF8.GetString(attachment.Content)));
    }

    [Fact]
    public void Plain_text_draft_comes_back_as_escaped_HTML()
    {
        var draft = Parse("""
            From: bob@example.com
            Subject: s

            a < b
            second line

            """);

        Assert.Equal("a &lt; b<br>\r\nsecond line", Composer.FromDraft(draft).Html);
    }
}
