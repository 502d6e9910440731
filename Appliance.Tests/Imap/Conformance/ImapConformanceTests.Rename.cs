namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 3501 §6.3.6: DELETE must not drop the subscription, so it outlives the mailbox and is listed with \NonExistent
    /// (RFC 5258 §3); a RENAME onto that name then takes the subscription over instead of failing with SERVERBUG.
    /// </summary>
    [Fact]
    public async Task Rename_onto_a_deleted_but_still_subscribed_name_succeeds_and_keeps_one_subscription()
    {
        await using var wire = await SignedInAsync("rename");
        Assert.Matches(@"^a1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("a1", "CREATE Projects")));
        Assert.Equal(["a2 OK DELETE completed"], await wire.CommandAsync("a2", "DELETE Projects"));
        Assert.Equal(["a3 OK LIST completed"], await wire.CommandAsync("a3", "LIST \"\" Projects*"));
        Assert.Equal(["* LIST (\\Subscribed \\NonExistent) \"/\" \"Projects\"", "a4 OK LIST completed"], await wire.CommandAsync("a4", "LIST (SUBSCRIBED) \"\" Projects*"));
        Assert.Equal(["* LSUB () \"/\" \"Projects\"", "a5 OK LSUB completed"], await wire.CommandAsync("a5", "LSUB \"\" Projects*"));
        // Only the subscription listings name it: RETURN (SUBSCRIBED) alone lists mailboxes that exist.
        Assert.Equal(["a6 OK LIST completed"], await wire.CommandAsync("a6", "LIST \"\" Projects* RETURN (SUBSCRIBED)"));

        Assert.Matches(@"^a7 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("a7", "CREATE Projects-old")));
        Assert.Equal(["a8 OK RENAME completed"], await wire.CommandAsync("a8", "RENAME Projects-old Projects"));
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Projects\"", "a9 OK LIST completed"], await wire.CommandAsync("a9", "LIST (SUBSCRIBED) \"\" Projects*"));
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Projects\"", "a10 OK LIST completed"], await wire.CommandAsync("a10", "LIST \"\" Projects* RETURN (SUBSCRIBED)"));

        // The same with folders below: each renamed child takes over a stale subscription of its new name too.
        Assert.Matches(@"^b1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("b1", "CREATE Work/Plans")));
        Assert.Equal(["b2 OK DELETE completed"], await wire.CommandAsync("b2", "DELETE Work/Plans"));
        Assert.Equal(["b3 OK DELETE completed"], await wire.CommandAsync("b3", "DELETE Work"));
        Assert.Matches(@"^b4 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("b4", "CREATE Old/Plans")));
        Assert.Equal(["b5 OK RENAME completed"], await wire.CommandAsync("b5", "RENAME Old Work"));
        Assert.Equal(["* LSUB (\\HasChildren) \"/\" \"Work\"", "* LSUB (\\HasNoChildren) \"/\" \"Work/Plans\"", "b6 OK LSUB completed"], await wire.CommandAsync("b6", "LSUB \"\" Work*"));
        Assert.Equal(["b7 OK LSUB completed"], await wire.CommandAsync("b7", "LSUB \"\" Old*"));
    }
}
