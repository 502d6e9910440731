using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class AddressParserTests
{
    private static List<(string?, string)> Pairs(string text, bool decode = true) =>
        AddressParser.ParseMailboxes(text, decode).Select(m => (m.DisplayName, m.AddrSpec)).ToList();

    [Theory]
    [InlineData("anna@example.com", null, "anna@example.com")]
    [InlineData("Anna Smith <anna@example.com>", "Anna Smith", "anna@example.com")]
    [InlineData("\"Smith, Anna\" <anna@example.com>", "Smith, Anna", "anna@example.com")]
    [InlineData("\"Anna \\\"A\\\" Smith\" <anna@example.com>", "Anna \"A\" Smith", "anna@example.com")]
    [InlineData("anna@example.com (Anna Smith)", "Anna Smith", "anna@example.com")]
    [InlineData("anna@example.com (Anna) (\\(A\\) Smith)", "(A) Smith", "anna@example.com")]
    [InlineData("anna(home)@example.com", null, "anna@example.com")]
    [InlineData("<anna@example.com> (Anna Smith)", null, "anna@example.com")]
    [InlineData("anna@example.com (=?utf-8?q?J=C3=B6rg?=)", "Jörg", "anna@example.com")]
    [InlineData("Anna (boss) <anna (x) @ (y) example . com>", "Anna", "anna@example.com")]
    [InlineData("<@route1.example,@route2.example:anna@example.com>", null, "anna@example.com")]
    [InlineData("John Q. Public <jqp@example.com>", "John Q. Public", "jqp@example.com")]
    [InlineData("=?utf-8?q?J=C3=B6rg?= <j@example.de>", "Jörg", "j@example.de")]
    [InlineData("=?utf-8?Q?M=C3=BCller,_J.?= <j@example.de>", "Müller, J.", "j@example.de")]
    [InlineData("\"=?utf-8?q?Fran=C3=A7ois?=\" <f@example.fr>", "François", "f@example.fr")]
    [InlineData("\"john doe\"@example.com", null, "\"john doe\"@example.com")]
    [InlineData("user@[192.0.2.1]", null, "user@[192.0.2.1]")]
    [InlineData("Zoë <zoë@exämple.se>", "Zoë", "zoë@exämple.se")]
    [InlineData("<anna@example.com", null, "anna@example.com")]
    public void Parses_one_mailbox(string text, string? name, string addrSpec)
    {
        var mailbox = Assert.Single(AddressParser.ParseMailboxes(text));
        Assert.Equal(name, mailbox.DisplayName);
        Assert.Equal(addrSpec, mailbox.AddrSpec);
    }

    [Fact]
    public void Parses_lists_with_groups_and_empty_members()
    {
        var list = AddressParser.ParseList("Team: bob@example.org, \"Carol C.\" <carol@example.org>;, , dave@example.net, Empty:;");
        Assert.Equal(3, list.Count);
        var team = Assert.IsType<GroupAddress>(list[0]);
        Assert.Equal("Team", team.DisplayName);
        Assert.Equal(["bob@example.org", "carol@example.org"], team.Members.Select(m => m.AddrSpec));
        Assert.Equal("dave@example.net", Assert.IsType<MailboxAddress>(list[1]).AddrSpec);
        Assert.Empty(Assert.IsType<GroupAddress>(list[2]).Members);
        Assert.Equal(
            [(null, "bob@example.org"), ("Carol C.", "carol@example.org"), (null, "dave@example.net")],
            Pairs("Team: bob@example.org, \"Carol C.\" <carol@example.org>;, , dave@example.net, Empty:;"));
    }

    [Fact]
    public void Raw_mode_keeps_encoded_words()
    {
        Assert.Equal([("=?utf-8?q?J=C3=B6rg?=", "j@example.de")], Pairs("=?utf-8?q?J=C3=B6rg?= <j@example.de>", decode: false));
    }

    [Fact]
    public void Bare_local_part_has_no_domain()
    {
        var mailbox = Assert.Single(AddressParser.ParseMailboxes("root"));
        Assert.Equal("root", mailbox.LocalPart);
        Assert.Equal("", mailbox.Domain);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,,")]
    [InlineData("<<>>")]
    [InlineData("\"unterminated")]
    [InlineData("(unterminated comment")]
    [InlineData("a@b@c, @, <@x:>, :;:;")]
    public void Garbage_gives_a_list_without_throwing(string text) => _ = AddressParser.ParseList(text);

    [Fact]
    public void Header_form_encodes_and_quotes_display_names()
    {
        Assert.Equal("\"Smith, Anna\" <anna@example.com>", new MailboxAddress("Smith, Anna", "anna@example.com").ToHeaderString());
        Assert.Equal("Anna Smith <anna@example.com>", new MailboxAddress("Anna Smith", "anna@example.com").ToHeaderString());
        var encoded = new MailboxAddress("Jörg Müller", "j@example.de").ToHeaderString();
        Assert.StartsWith("=?utf-8?", encoded, StringComparison.Ordinal);
        Assert.Equal([("Jörg Müller", "j@example.de")], Pairs(encoded));
    }
}
