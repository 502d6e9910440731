using System.Text;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mailstore;

public sealed class MimeKitBudgetTests
{
    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void Ordinary_multipart_mail_is_handed_to_MimeKit()
    {
        var message = Bytes("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n-- \r\nsignature\r\n--b\r\nContent-Type: application/pdf; name=\"x.pdf\"\r\n\r\nJVBERi0=\r\n--b--\r\n");
        Assert.Equal(MimeKitRefusal.None, MimeKitBudget.Check(message));
    }

    [Fact]
    public void A_top_level_header_past_the_limit_is_refused_but_one_just_under_is_not()
    {
        var field = "X-Filler: " + new string('a', 1000) + "\r\n";
        var under = new StringBuilder();
        while (under.Length + field.Length < MimeKitBudget.MaxHeaderBytes - 100) under.Append(field);
        Assert.Equal(MimeKitRefusal.None, MimeKitBudget.Check(Bytes(under + "\r\nbody\r\n")));
        Assert.Equal(MimeKitRefusal.HeaderTooLarge, MimeKitBudget.Check(Bytes(under.ToString() + field + field + "\r\nbody\r\n")));
    }

    [Fact]
    public void A_part_whose_header_is_a_parameter_storm_is_refused()
    {
        var storm = new StringBuilder("--r\r\nContent-Type: application/octet-stream");
        for (var i = 0; i < 20_000; i++) storm.Append(";\r\n name*").Append(i).Append("=\"f\"");
        var message = "Content-Type: multipart/mixed; boundary=\"r\"\r\n\r\n" + storm + "\r\n\r\ndata\r\n--r--\r\n";
        Assert.Equal(MimeKitRefusal.HeaderTooLarge, MimeKitBudget.Check(Bytes(message)));
    }

    [Fact]
    public void A_large_body_is_not_mistaken_for_a_header()
    {
        var body = string.Concat(Enumerable.Repeat(new string('Q', 76) + "\r\n", 20_000));
        Assert.Equal(MimeKitRefusal.None, MimeKitBudget.Check(Bytes("Subject: big\r\n\r\n" + body)));
    }

    [Fact]
    public void Every_bomb_of_the_corpus_that_MimeKit_chokes_on_is_refused()
    {
        foreach (var name in new[] { "many-parts", "huge-header-folded", "rfc2231-storm" })
        {
            Assert.NotEqual(MimeKitRefusal.None, MimeKitBudget.Check(MailBombs.Named(name).ToArray(MailBombs.TestScale)));
        }
    }

    [Fact]
    public void More_boundary_lines_than_the_limit_are_refused()
    {
        var parts = string.Concat(Enumerable.Repeat("--b\r\n\r\nx\r\n", MimeKitBudget.MaxBoundaryLines + 1));
        Assert.Equal(MimeKitRefusal.TooManyParts, MimeKitBudget.Check(Bytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts)));
    }
}
