using System.Text;
using Appliance.Mailstore;
using Appliance.Mime;
using Appliance.Web.Mail;

namespace Appliance.Tests.Mime;

public class AttachmentsTests
{
    private static MimeMessage Parse(string text) => MimeMessage.Parse(Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal)));

    private static string Mixed(params string[] parts) =>
        "From: a@example.org\nSubject: s\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
        + string.Concat(parts.Select(p => "--b\n" + p + "\n")) + "--b--\n";

    private const string Text = "Content-Type: text/plain\n\nHello.";

    private static IReadOnlyList<string> Names(MimeMessage message) =>
        [.. Attachments.Of(message).Select(e => e.FileName ?? e.ContentType.MimeType)];

    [Fact]
    public void A_named_part_marked_inline_is_an_attachment()
    {
        // Apple Mail sends attached files as "inline" with a name; Thunderbird and Outlook list them.
        var message = Parse(Mixed(Text, "Content-Type: application/pdf\nContent-Disposition: inline; filename=\"report.pdf\"\n\nxx"));
        Assert.Equal(["report.pdf"], Names(message));
    }

    [Fact]
    public void A_text_part_with_disposition_attachment_is_an_attachment_and_not_the_body()
    {
        var message = Parse(Mixed(Text, "Content-Type: text/plain\nContent-Disposition: attachment\n\nlog lines"));
        Assert.Equal(["text/plain"], Names(message));
        var bodies = Attachments.Bodies(message);
        Assert.Equal("Hello.", bodies.Plain!.GetText());
        Assert.Null(bodies.Html);
    }

    [Fact]
    public void An_attached_message_is_one_attachment_and_its_own_parts_are_not_counted()
    {
        var message = Parse(Mixed(Text, """
            Content-Type: message/rfc822

            From: c@example.org
            Subject: inner
            Content-Type: multipart/mixed; boundary="i"

            --i
            Content-Type: text/plain

            inner text
            --i
            Content-Type: image/png; name="inner.png"

            xx
            --i--
            """));
        Assert.Equal(["message/rfc822"], Names(message));
        // The inner text is not this message's body.
        Assert.Equal("Hello.", Attachments.Bodies(message).Plain!.GetText());
    }

    [Fact]
    public void Winmail_dat_is_an_attachment_like_any_other_file()
    {
        var message = Parse(Mixed(Text, "Content-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Disposition: attachment; filename=\"winmail.dat\"\n\nxx"));
        Assert.Equal(["winmail.dat"], Names(message));
    }

    [Fact]
    public void An_image_of_a_related_html_body_is_part_of_the_body_even_when_named_inline()
    {
        var message = Parse("""
            From: a@example.org
            Content-Type: multipart/related; boundary="r"

            --r
            Content-Type: text/html

            <p>Logo: <img src="cid:logo@x"></p>
            --r
            Content-Type: image/png; name="logo.png"
            Content-ID: <logo@x>
            Content-Disposition: inline; filename="logo.png"

            xx
            --r--
            """);
        Assert.Empty(Attachments.Of(message));
        Assert.False(Attachments.Any(message));
        Assert.NotNull(Attachments.Bodies(message).Html);
    }

    [Fact]
    public void A_related_part_marked_attachment_or_without_a_content_id_is_an_attachment()
    {
        var message = Parse("""
            From: a@example.org
            Content-Type: multipart/related; boundary="r"

            --r
            Content-Type: text/html

            <p>x</p>
            --r
            Content-Type: image/png; name="a.png"
            Content-ID: <a@x>
            Content-Disposition: attachment; filename="a.png"

            xx
            --r
            Content-Type: image/png; name="b.png"

            xx
            --r--
            """);
        Assert.Equal(["a.png", "b.png"], Names(message));
    }

    [Fact]
    public void An_unnamed_image_in_mixed_is_an_attachment_but_alternative_texts_and_a_footer_are_not()
    {
        var message = Parse(Mixed(
            "Content-Type: multipart/alternative; boundary=\"a\"\n\n--a\nContent-Type: text/plain\n\nplain\n--a\nContent-Type: text/html\n\n<p>html</p>\n--a--",
            "Content-Type: image/jpeg\n\nxx",
            "Content-Type: text/plain\n\n-- \nList footer"));
        Assert.Equal(["image/jpeg"], Names(message));
        var bodies = Attachments.Bodies(message);
        Assert.Equal("plain", bodies.Plain!.GetText());
        Assert.Same(bodies.Html, bodies.Preferred);
    }

    [Fact]
    public void The_signature_of_a_signed_message_is_not_an_attachment()
    {
        var message = Parse("""
            From: a@example.org
            Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="s"

            --s
            Content-Type: text/plain

            Signed text.
            --s
            Content-Type: application/pkcs7-signature; name="smime.p7s"
            Content-Disposition: attachment; filename="smime.p7s"

            xx
            --s--
            """);
        Assert.Empty(Attachments.Of(message));
    }

    [Fact]
    public void A_single_part_message_that_is_a_file_is_an_attachment_and_has_no_body()
    {
        var message = Parse("From: a@example.org\nContent-Type: application/pdf; name=\"scan.pdf\"\n\nxx");
        Assert.Equal(["scan.pdf"], Names(message));
        Assert.Null(Attachments.Bodies(message).Preferred);
        Assert.Empty(Attachments.Of(Parse("From: a@example.org\n\nJust text.")));
    }

    [Fact]
    public void Other_text_types_without_a_name_are_files()
    {
        // An invitation or a contact card is opened by another program, as Outlook and Thunderbird offer it.
        var message = Parse(Mixed(Text, "Content-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nEND:VCALENDAR"));
        Assert.Equal(["text/calendar"], Names(message));
    }

    public static TheoryData<string> Corpus() => new()
    {
        Mixed(Text, "Content-Type: application/pdf\nContent-Disposition: inline; filename=\"report.pdf\"\n\nxx"),
        Mixed(Text, "Content-Type: text/plain\nContent-Disposition: attachment\n\nlog"),
        Mixed(Text, "Content-Type: message/rfc822\n\nFrom: c@example.org\nSubject: inner\n\nbody"),
        Mixed(Text, "Content-Type: image/jpeg\n\nxx"),
        "From: a@example.org\nContent-Type: multipart/related; boundary=\"r\"\n\n--r\nContent-Type: text/html\n\n<img src=\"cid:l@x\">\n--r\nContent-Type: image/png; name=\"l.png\"\nContent-ID: <l@x>\n\nxx\n--r--\n",
        "From: a@example.org\n\nplain only",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void The_paperclip_and_a_forward_follow_the_same_rule(string text)
    {
        var message = Parse(text);
        var attachments = Attachments.Of(message);
        Assert.Equal(attachments.Count > 0, MessageSummaries.Summarize(message, "hash").HasAttachments);
        Assert.Equal(attachments.Count, Composer.Forward(message).Attachments.Count);
    }
}
