namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 5258 §3.1: RECURSIVEMATCH must not be the only selection option, nor come with REMOTE alone (BAD, as Dovecot
    /// answers); with SUBSCRIBED it returns a matching mailbox that has a subscribed descendant the patterns do not match,
    /// with CHILDINFO ("SUBSCRIBED") (§3.5), and never for a descendant the patterns match themselves.
    /// </summary>
    [Fact]
    public async Task Recursivematch_needs_a_selection_option_and_returns_childinfo()
    {
        await using var wire = await SignedInAsync("recursive");
        Assert.Equal("a1 BAD RECURSIVEMATCH must not be the only selection option", (await wire.CommandAsync("a1", "LIST (RECURSIVEMATCH) \"\" *"))[^1]);
        Assert.Equal("a2 BAD RECURSIVEMATCH must not be the only selection option", (await wire.CommandAsync("a2", "LIST (REMOTE RECURSIVEMATCH) \"\" *"))[^1]);
        await wire.CommandAsync("a3", "CREATE Foo/Bar");
        await wire.CommandAsync("a4", "CREATE Foo/Baz");
        await wire.CommandAsync("a5", "UNSUBSCRIBE Foo");
        await wire.CommandAsync("a6", "UNSUBSCRIBE Foo/Baz");
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Foo\" (CHILDINFO (\"SUBSCRIBED\"))", "b1 OK LIST completed"], await wire.CommandAsync("b1", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" F%"));
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Foo/Bar\"", "b2 OK LIST completed"], await wire.CommandAsync("b2", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" F*"));
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Foo/Bar\"", "b3 OK LIST completed"], await wire.CommandAsync("b3", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (F% Foo/*)"));
        Assert.Equal(["b4 OK LIST completed"], await wire.CommandAsync("b4", "LIST (SUBSCRIBED) \"\" F%"));
        await wire.CommandAsync("b5", "SUBSCRIBE Foo");
        Assert.Equal(["* LIST (\\HasChildren \\Subscribed) \"/\" \"Foo\" (CHILDINFO (\"SUBSCRIBED\"))", "b6 OK LIST completed"], await wire.CommandAsync("b6", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" F%"));
        Assert.Equal(["* LIST (\\HasChildren \\Subscribed) \"/\" \"Foo\"", "b7 OK LIST completed"], await wire.CommandAsync("b7", "LIST (SUBSCRIBED) \"\" F%"));
    }
}
