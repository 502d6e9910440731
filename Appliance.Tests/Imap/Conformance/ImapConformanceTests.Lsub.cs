namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 3501 §6.3.9: when "%" stops at a level whose name is not subscribed but has a subscribed name below it, LSUB
    /// returns that level flagged \Noselect, whether the mailbox exists or not (Dovecot answers the same).
    /// </summary>
    [Fact]
    public async Task Lsub_percent_returns_the_unsubscribed_parent_of_a_subscribed_child_as_noselect()
    {
        await using var wire = await SignedInAsync("lsub");
        await wire.CommandAsync("a1", "CREATE Top/Child");
        await wire.CommandAsync("a2", "UNSUBSCRIBE Top");
        Assert.Equal(["* LSUB (\\Noselect) \"/\" \"Top\"", "a3 OK LSUB completed"], await wire.CommandAsync("a3", "LSUB \"\" Top%"));
        Assert.Equal(["* LSUB (\\HasNoChildren) \"/\" \"Top/Child\"", "a4 OK LSUB completed"], await wire.CommandAsync("a4", "LSUB \"\" Top*"));
        Assert.Equal(["a5 OK LIST completed"], await wire.CommandAsync("a5", "LIST (SUBSCRIBED) \"\" Top%"));

        // The parent need not exist: only the subscription of its child is left.
        await wire.CommandAsync("b1", "CREATE Gone/Child");
        await wire.CommandAsync("b2", "UNSUBSCRIBE Gone");
        await wire.CommandAsync("b3", "DELETE Gone/Child");
        await wire.CommandAsync("b4", "DELETE Gone");
        Assert.Equal(["* LSUB (\\Noselect) \"/\" \"Gone\"", "b5 OK LSUB completed"], await wire.CommandAsync("b5", "LSUB \"\" G%"));
        Assert.Equal(["* LSUB () \"/\" \"Gone/Child\"", "b6 OK LSUB completed"], await wire.CommandAsync("b6", "LSUB \"Gone/\" %"));
    }
}
