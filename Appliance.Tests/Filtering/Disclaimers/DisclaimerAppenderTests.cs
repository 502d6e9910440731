using System.Text;
using Appliance.Filtering.Disclaimers;
using Appliance.Mailstore;
using MimeKit;

namespace Appliance.Tests.Filtering.Disclaimers;

/// <summary>Where the disclaimer goes in each MIME shape, what is left alone, and that a thread gets it once.</summary>
public sealed class DisclaimerAppenderTests
{
    private static readonly DisclaimerSettings Disclaimer = new(
        "Example Ltd, 1 High Street, Leeds. Registered in England no. 0123456.",
        "<p><b>Example Ltd</b>, 1 High Street, Leeds. Registered in England no. 0123456.</p>");

    private const string Head = "From: Bob <bob@example.com>\r\nTo: anna@elsewhere.example\r\nSubject: Figures\r\nMessage-ID: <d1@example.com>\r\nMIME-Version: 1.0\r\n";

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static TextPart Part(MimeEntity? entity) => Assert.IsAssignableFrom<TextPart>(entity);

    private static MimeMessage Parse(byte[] bytes) => MessageLoader.ForMimeKit(bytes);

    private static int Count(string haystack, string needle) => (haystack.Length - haystack.Replace(needle, "", StringComparison.Ordinal).Length) / needle.Length;

    [Fact]
    public void A_plain_message_gets_the_text_at_the_end()
    {
        var message = Bytes(Head + "Content-Type: text/plain; charset=us-ascii\r\n\r\nHello Anna,\r\nthe figures.\r\n");

        var result = Parse(DisclaimerAppender.Append(message, Disclaimer));

        var body = Part(result.Body).Text;
        Assert.StartsWith("Hello Anna,\r\nthe figures.\r\n\r\nExample Ltd", body.ReplaceLineEndings("\r\n"), StringComparison.Ordinal);
        Assert.EndsWith("no. 0123456.", body.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("Figures", result.Subject);
    }

    [Fact]
    public void An_html_message_gets_the_html_before_the_end_of_body()
    {
        var message = Bytes(Head + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello Anna</p></body></html>\r\n");

        var html = Part(Parse(DisclaimerAppender.Append(message, Disclaimer)).Body).Text;

        Assert.Contains("<p>Hello Anna</p><div data-appliance-disclaimer=\"1\"><p><b>Example Ltd</b>", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("0123456", StringComparison.Ordinal) < html.IndexOf("</body>", StringComparison.Ordinal));
    }

    [Fact]
    public void Both_alternatives_get_their_kind_and_the_attachment_is_untouched()
    {
        var message = Bytes(Head +
            "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n" +
            "--mix\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
            "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Anna\r\n" +
            "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>Hello Anna</body></html>\r\n" +
            "--alt--\r\n" +
            "--mix\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nnotes of the meeting\r\n" +
            "--mix--\r\n");

        var result = Parse(DisclaimerAppender.Append(message, Disclaimer));

        var alternative = Assert.IsType<MultipartAlternative>(Assert.IsType<Multipart>(result.Body)[0]);
        Assert.Contains("Hello Anna\r\n\r\nExample Ltd", ((TextPart)alternative[0]).Text.ReplaceLineEndings("\r\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", ((TextPart)alternative[0]).Text, StringComparison.Ordinal);
        Assert.Contains("Hello Anna<div data-appliance-disclaimer=\"1\"><p><b>Example Ltd</b>", ((TextPart)alternative[1]).Text, StringComparison.Ordinal);
        var attachment = Part(Assert.IsType<Multipart>(result.Body)[1]);
        Assert.Equal("notes of the meeting", attachment.Text.Trim());
    }

    [Theory]
    [InlineData("multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"",
        "--sig\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--sig\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--sig--\r\n")]
    [InlineData("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m", "MIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n")]
    public void Signed_and_encrypted_messages_are_left_alone(string contentType, string body)
    {
        var message = Bytes(Head + $"Content-Type: {contentType}\r\n\r\n" + body);

        Assert.Same(message, DisclaimerAppender.Append(message, Disclaimer));
    }

    [Fact]
    public void A_reply_quoting_the_disclaimer_does_not_get_a_second_one()
    {
        var message = Bytes(Head + "Content-Type: text/plain; charset=utf-8\r\n\r\nThanks!\r\n\r\nAnna wrote:\r\n> the figures.\r\n>\r\n> Example Ltd, 1 High Street, Leeds. Registered in\r\n> England no. 0123456.\r\n");

        Assert.Same(message, DisclaimerAppender.Append(message, Disclaimer));
    }

    [Fact]
    public void An_html_reply_quoting_our_marked_block_does_not_get_a_second_one()
    {
        var message = Bytes(Head + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>Thanks!<blockquote>figures<div data-appliance-disclaimer=\"1\">old footer</div></blockquote></body></html>\r\n");

        Assert.Same(message, DisclaimerAppender.Append(message, Disclaimer));
    }

    [Fact]
    public void A_non_ascii_disclaimer_in_a_7bit_part_goes_quoted_printable()
    {
        var message = Bytes(Head + "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHallo\r\n");

        var bytes = DisclaimerAppender.Append(message, new DisclaimerSettings("Geschäftsführer: Jürgen Müller"));

        Assert.All(bytes, b => Assert.True(b < 128));
        var part = Part(Parse(bytes).Body);
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.Contains("Geschäftsführer: Jürgen Müller", part.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_html_given_the_plain_part_gets_its_text_and_only_text_given_the_html_part_gets_it_escaped()
    {
        var plain = Bytes(Head + "Content-Type: text/plain\r\n\r\nHi\r\n");
        var html = Bytes(Head + "Content-Type: text/html\r\n\r\n<html><body>Hi</body></html>\r\n");

        var fromHtml = Part(Parse(DisclaimerAppender.Append(plain, new DisclaimerSettings("", "<p>Tom &amp; Co</p>"))).Body).Text;
        var fromText = Part(Parse(DisclaimerAppender.Append(html, new DisclaimerSettings("Tom & Co <legal>"))).Body).Text;

        Assert.Contains("Tom & Co", fromHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("<p>", fromHtml, StringComparison.Ordinal);
        Assert.Contains("Tom &amp; Co &lt;legal&gt;", fromText, StringComparison.Ordinal);
        Assert.Equal(1, Count(fromText, "data-appliance-disclaimer"));
    }

    [Fact]
    public void No_disclaimer_leaves_the_bytes_as_they_are()
    {
        var message = Bytes(Head + "Content-Type: text/plain\r\n\r\nHi\r\n");

        Assert.Same(message, DisclaimerAppender.Append(message, DisclaimerSettings.None));
    }
}
