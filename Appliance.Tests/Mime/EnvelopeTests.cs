using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class EnvelopeTests
{
    [Fact]
    public void Groups_routes_and_comments_render_as_rfc3501_address_lists()
    {
        var envelope = MimeMessage.Parse(MimeCorpus.Read("address-groups-and-comments.eml")).GetEnvelope();
        Assert.Equal(
            "(NIL \"Groups, quoted names and comments\" "
            + "((\"Anna (the boss) Smith\" NIL \"anna\" \"example.com\")) "
            + "((\"Anna (the boss) Smith\" NIL \"anna\" \"example.com\")) "
            + "((NIL \"@route.example\" \"eve\" \"example.com\")) "
            + "((NIL NIL \"Team\" NIL)(NIL NIL \"bob\" \"example.org\")(\"Carol C.\" NIL \"carol\" \"example.org\")(NIL NIL NIL NIL)(\"Dave D\" NIL \"dave\" \"example.net\")) "
            + "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
            + "NIL \"<parent@example.com>\" \"<groups@example.com>\")",
            envelope.ToImapString());
    }

    [Fact]
    public void Sender_and_reply_to_default_to_from_and_strings_stay_encoded()
    {
        var message = MimeMessage.Parse(Encoding.UTF8.GetBytes(
            "Date: Tue, 1 Jul 2025 10:52:37 +0200\r\nFrom: =?utf-8?q?J=C3=B6rg?= <j@example.de>\r\nSender:\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n"));
        var envelope = message.GetEnvelope();
        Assert.Same(envelope.From, envelope.Sender);
        Assert.Same(envelope.From, envelope.ReplyTo);
        Assert.Equal(
            "(\"Tue, 1 Jul 2025 10:52:37 +0200\" \"=?utf-8?q?caf=C3=A9?=\" ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"example.de\")) "
            + "((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"example.de\")) ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"example.de\")) NIL NIL NIL NIL NIL)",
            envelope.ToImapString());
    }

    [Fact]
    public void Non_ascii_and_quotes_use_literals_and_escapes()
    {
        var message = MimeMessage.Parse(Encoding.UTF8.GetBytes("Subject: Grüße\r\nIn-Reply-To: \"q\" \\ x\r\n\r\n"));
        var text = message.GetEnvelope().ToImapString();
        Assert.StartsWith("(NIL {7}\r\nGrüße NIL NIL NIL NIL NIL NIL \"\\\"q\\\" \\\\ x\" NIL)", text, StringComparison.Ordinal);
    }
}
