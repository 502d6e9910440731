using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class BodyStructureTests
{
    [Fact]
    public void Message_without_content_type_is_text_plain_us_ascii()
    {
        var structure = MimeMessage.Parse(MimeCorpus.Read("simple-text.eml")).GetBodyStructure();
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 80 5 NIL NIL NIL NIL)", structure.ToImapString());
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 80 5)", structure.ToImapString(extensions: false));
    }

    [Fact]
    public void Message_rfc822_part_carries_envelope_structure_and_lines()
    {
        var structure = MimeMessage.Parse(MimeCorpus.Read("message-rfc822-attachment.eml")).GetBodyStructure();
        const string carol = "((\"Carol\" NIL \"carol\" \"example.net\"))";
        Assert.Equal(
            "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 29 0 NIL NIL NIL NIL)"
            + "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 387 "
            + $"(\"Mon, 30 Jun 2025 12:00:00 -0400\" \"Lunch\" {carol} {carol} {carol} ((NIL NIL \"bob\" \"example.org\")) NIL NIL NIL \"<lunch@example.net>\") "
            + "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 14 0 NIL NIL NIL NIL)"
            + "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 21 0 NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"inner-alt\") NIL NIL NIL) "
            + "17 NIL (\"INLINE\" NIL) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"fwd\") NIL NIL NIL)",
            structure.ToImapString());
    }

    [Fact]
    public void Attachment_fields_id_description_language_and_location_are_reported()
    {
        var message = MimeMessage.Parse(Encoding.UTF8.GetBytes(
            "Content-Type: application/pdf; name=a.pdf\r\nContent-ID: <id@x>\r\nContent-Description: The report\r\n"
            + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"a b.pdf\"\r\n"
            + "Content-Language: en, de\r\nContent-Location: http://example.com/a.pdf\r\n\r\nQUJD\r\n"));
        var structure = message.GetBodyStructure();
        Assert.Null(structure.Lines);
        Assert.Equal(6, structure.Size);
        Assert.Equal(
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") \"<id@x>\" \"The report\" \"BASE64\" 6 NIL (\"ATTACHMENT\" (\"FILENAME\" \"a b.pdf\")) (\"en\" \"de\") \"http://example.com/a.pdf\")",
            structure.ToImapString());
    }

    [Fact]
    public void Base64_encoded_message_part_is_reported_as_opaque_data()
    {
        var message = MimeMessage.Parse(Encoding.UTF8.GetBytes(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQp5\r\n--b--\r\n"));
        Assert.Null(message.Root.Children[0].Message);
        Assert.Equal(
            "((\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"BASE64\" 20 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL)",
            message.GetBodyStructure().ToImapString());
    }

    [Fact]
    public void Every_corpus_structure_is_balanced()
    {
        foreach (var name in MimeCorpus.Names)
        {
            var text = MimeMessage.Parse(MimeCorpus.Read(name)).GetBodyStructure().ToImapString();
            var depth = 0;
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    continue;
                }
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                quoted = c == '"';
                Assert.True(depth >= 0, name);
            }
            Assert.True(depth == 0, name);
        }
    }
}
