using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class ImapSectionTests
{
    private static readonly MimeMessage Forward = MimeMessage.Parse(MimeCorpus.Read("message-rfc822-attachment.eml"));

    private static string Section(MimeMessage message, string section)
    {
        Assert.True(message.TryGetSection(section, out var bytes), section);
        return Encoding.UTF8.GetString(bytes.Span);
    }

    [Fact]
    public void Empty_section_is_the_whole_message() =>
        Assert.Equal(MimeCorpus.Read("message-rfc822-attachment.eml"), Encoding.UTF8.GetBytes(Section(Forward, "")));

    [Fact]
    public void Header_and_text_of_the_message()
    {
        var whole = Encoding.UTF8.GetString(MimeCorpus.Read("message-rfc822-attachment.eml"));
        var split = whole.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.Equal(whole[..split], Section(Forward, "HEADER"));
        Assert.Equal(whole[split..], Section(Forward, "TEXT"));
    }

    [Fact]
    public void Numbered_parts_and_their_mime_headers()
    {
        Assert.Equal("Forwarding the message below.", Section(Forward, "1"));
        Assert.Equal("Content-Type: text/plain\r\n\r\n", Section(Forward, "1.MIME"));
        Assert.Equal("Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n", Section(Forward, "2.MIME"));
        Assert.StartsWith("From: Carol <carol@example.net>\r\n", Section(Forward, "2"), StringComparison.Ordinal);
        Assert.EndsWith("--inner-alt--\r\n", Section(Forward, "2"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parts_of_an_encapsulated_message_are_numbered_below_its_part()
    {
        Assert.StartsWith("From: Carol", Section(Forward, "2.HEADER"), StringComparison.Ordinal);
        Assert.EndsWith("boundary=\"inner-alt\"\r\n\r\n", Section(Forward, "2.HEADER"), StringComparison.Ordinal);
        Assert.StartsWith("--inner-alt\r\n", Section(Forward, "2.TEXT"), StringComparison.Ordinal);
        Assert.Equal("Lunch at noon?", Section(Forward, "2.1"));
        Assert.Equal("<p>Lunch at noon?</p>", Section(Forward, "2.2"));
        Assert.Equal("Content-Type: text/html; charset=utf-8\r\n\r\n", Section(Forward, "2.2.MIME"));
        Assert.Equal("Subject: Lunch\r\n\r\n", Section(Forward, "2.HEADER.FIELDS (SUBJECT)"));
    }

    [Fact]
    public void Header_fields_and_header_fields_not()
    {
        Assert.Equal("From: bob@example.org\r\nSubject: Fwd: Lunch\r\n\r\n", Section(Forward, "HEADER.FIELDS (Subject FROM \"x-none\")"));
        Assert.Equal("To: anna@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n",
            Section(Forward, "header.fields.not (From Subject)"));
    }

    [Fact]
    public void Part_one_of_a_single_part_message_is_its_body()
    {
        var message = MimeMessage.Parse("Subject: s\r\n\r\nbody\r\n"u8.ToArray());
        Assert.Equal("body\r\n", Section(message, "1"));
        Assert.Equal("", Section(message, "2"));
        Assert.Equal("", Section(message, "1.1"));
    }

    [Fact]
    public void Missing_parts_are_empty_and_header_of_a_non_message_part_is_empty()
    {
        Assert.Equal("", Section(Forward, "3"));
        Assert.Equal("", Section(Forward, "2.3.1"));
        Assert.Equal("", Section(Forward, "1.HEADER"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.")]
    [InlineData("MIME")]
    [InlineData("HEADER.FIELDS")]
    [InlineData("HEADER.FIELDS ()")]
    [InlineData("HEADER.FIELDS From")]
    [InlineData("BODY")]
    [InlineData("1.X")]
    public void Malformed_sections_are_refused(string section) => Assert.False(Forward.TryGetSection(section, out _));
}
