namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// An old-style <c>user@domain (Real Name)</c> has no phrase, and RFC 822 senders put the name in that comment: ENVELOPE
    /// reports it as addr-name, as Dovecot and c-client do (ImapReferenceTests compares the corpus with Dovecot's). A
    /// comment after an angle-addr or inside the address is no name; a phrase always wins.
    /// </summary>
    [Fact]
    public async Task Envelope_takes_the_personal_name_of_an_old_style_address_from_its_comment()
    {
        await using var wire = await SignedInAsync("envelope");
        const string message = "From: bob@example.com (Bob Real)\r\nTo: cy@example.com (First) (Second), \"Carol\" <carol@example.com> (work), <ann@example.com> (Angle), dd(inner)@example.com, ee@example.com (=?UTF-8?Q?D=C3=BC?=)\r\nSubject: x\r\n\r\nbody\r\n";
        await wire.CommandAsync("p1", $"APPEND INBOX {{{message.Length}+}}\r\n{message}");
        await wire.CommandAsync("a0", "EXAMINE INBOX");
        Assert.Equal("* 1 FETCH (ENVELOPE (NIL \"x\" ((\"Bob Real\" NIL \"bob\" \"example.com\")) ((\"Bob Real\" NIL \"bob\" \"example.com\")) ((\"Bob Real\" NIL \"bob\" \"example.com\")) "
            + "((\"Second\" NIL \"cy\" \"example.com\")(\"Carol\" NIL \"carol\" \"example.com\")(NIL NIL \"ann\" \"example.com\")(NIL NIL \"dd\" \"example.com\")(\"=?UTF-8?Q?D=C3=BC?=\" NIL \"ee\" \"example.com\")) NIL NIL NIL NIL))",
            (await wire.CommandAsync("a1", "FETCH 1 ENVELOPE"))[0]);
        // The same name in a search: FROM matches the envelope's personal name.
        Assert.Equal(["* SEARCH 1", "a2 OK SEARCH completed"], await wire.CommandAsync("a2", "SEARCH FROM \"Bob Real\""));
    }
}
