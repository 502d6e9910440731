using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// RENAME of shared and public folders (RFC 4314 §4): 'x' on the folder, 'k' on the new parent, within the folder's own
/// namespace; the owner's and other users' subscriptions follow the folder.
/// </summary>
public sealed class ImapRenameSharedTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private const string Bobs = "Other Users/bob@example.com/";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        foreach (var user in new[] { "bob", "carol", "dave" })
        {
            await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user, string password = Password) => ImapWire.SignedInAsync(_host.ImapPort, $"{user}@example.com", password);

    /// <summary>The subscribed names, only those of other users' and public folders unless <paramref name="all"/>.</summary>
    private static async Task<List<string>> SubscribedAsync(ImapWire wire, string tag, bool all = false) =>
        [.. (await wire.CommandAsync(tag, "LSUB \"\" *")).Where(l => l.StartsWith("* LSUB", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("\"/\" ", StringComparison.Ordinal) + 4)..])
            .Where(n => all || n.StartsWith("\"Other Users/", StringComparison.Ordinal) || n.StartsWith("\"Shared Folders/", StringComparison.Ordinal))];

    [Fact]
    public async Task A_shared_folder_is_renamed_by_a_holder_of_x_with_k_on_the_new_parent_and_subscriptions_follow()
    {
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        await using var dave = await SignedInAsync("dave");
        Assert.Matches(@"^b1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await bob.CommandAsync("b1", "CREATE Projects/Q1")));
        Assert.Matches(@"^b2 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await bob.CommandAsync("b2", "CREATE Library")));
        await bob.CommandAsync("b3", "SETACL Projects carol@example.com lrx");
        await bob.CommandAsync("b4", "SETACL Projects dave@example.com lr");
        await bob.CommandAsync("b5", "SETACL Library carol@example.com lr");
        Assert.Equal(["c0 OK SUBSCRIBE completed"], await carol.CommandAsync("c0", $"SUBSCRIBE \"{Bobs}Projects\""));
        Assert.Equal(["d0 OK SUBSCRIBE completed"], await dave.CommandAsync("d0", $"SUBSCRIBE \"{Bobs}Projects\""));

        // Without 'x', NOPERM; without even 'l', the folder does not exist for him.
        Assert.Equal(["d1 NO [NOPERM] You lack the 'x' right on this mailbox"], await dave.CommandAsync("d1", $"RENAME \"{Bobs}Projects\" \"{Bobs}Plans\""));
        Assert.Equal(["d2 NO [NONEXISTENT] No such mailbox"], await dave.CommandAsync("d2", $"RENAME \"{Bobs}Library\" \"{Bobs}Old\""));
        // A folder stays with its owner.
        Assert.Equal(["c1 NO [CANNOT] A folder stays with its owner: rename it within Other Users/bob@example.com"],
            await carol.CommandAsync("c1", $"RENAME \"{Bobs}Projects\" Projects"));
        Assert.Equal(["c1b NO [CANNOT] A folder cannot move to another user or to the public folders"],
            await carol.CommandAsync("c1b", $"RENAME INBOX \"{Bobs}Mine\""));
        // 'k' on the new parent.
        Assert.Equal([$"c2 NO [NOPERM] You lack the 'k' right on {Bobs}Library"], await carol.CommandAsync("c2", $"RENAME \"{Bobs}Projects\" \"{Bobs}Library/Projects\""));
        await bob.CommandAsync("b6", "SETACL Library carol@example.com +k");
        Assert.Equal(["c3 OK RENAME completed"], await carol.CommandAsync("c3", $"RENAME \"{Bobs}Projects\" \"{Bobs}Library/Projects\""));
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Library/Projects\"", "* LIST (\\HasNoChildren) \"/\" \"Library/Projects/Q1\"", "b7 OK LIST completed"],
            await bob.CommandAsync("b7", "LIST \"\" Library/Projects*"));
        // The owner's subscriptions and the readers' follow the folder.
        Assert.Contains("\"Library/Projects\"", await SubscribedAsync(bob, "b8", all: true));
        Assert.Contains("\"Library/Projects/Q1\"", await SubscribedAsync(bob, "b9", all: true));
        Assert.Equal([$"\"{Bobs}Library/Projects\""], await SubscribedAsync(dave, "d3"));

        // Up to the top of bob's hierarchy there is no parent to hold 'k': that is bob's to do.
        Assert.Equal(["c4 NO [NOPERM] Only the owner makes folders at the top of their hierarchy"],
            await carol.CommandAsync("c4", $"RENAME \"{Bobs}Library/Projects\" \"{Bobs}Projects\""));
        Assert.Equal(["b10 OK RENAME completed"], await bob.CommandAsync("b10", "RENAME Library/Projects Plans"));
        Assert.Equal([$"\"{Bobs}Plans\""], await SubscribedAsync(dave, "d4"));
        // A top folder renamed in place needs 'x' only.
        Assert.Equal(["c5 OK RENAME completed"], await carol.CommandAsync("c5", $"RENAME \"{Bobs}Plans\" \"{Bobs}Plans-2026\""));
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Plans-2026\"", "* LIST (\\HasNoChildren) \"/\" \"Plans-2026/Q1\"", "b11 OK LIST completed"],
            await bob.CommandAsync("b11", "LIST \"\" Plans*"));
        Assert.Equal([$"\"{Bobs}Plans-2026\""], await SubscribedAsync(carol, "c6"));
        Assert.Equal([$"\"{Bobs}Plans-2026\""], await SubscribedAsync(dave, "d5"));
        Assert.Equal(["c7 NO [ALREADYEXISTS] Mailbox already exists"], await carol.CommandAsync("c7", $"RENAME \"{Bobs}Plans-2026\" \"{Bobs}Library\""));
        // Her own INBOX and bob's are their owners' only.
        await bob.CommandAsync("b12", "SETACL INBOX carol@example.com lrx");
        Assert.Equal(["c8 NO [CANNOT] An INBOX is renamed by its owner only"], await carol.CommandAsync("c8", $"RENAME \"{Bobs}INBOX\" \"{Bobs}Old\""));
    }

    [Fact]
    public async Task A_public_folder_is_renamed_by_a_user_with_the_right_and_everyones_subscriptions_follow()
    {
        await using var admin = await SignedInAsync("admin", TestServices.AdminPassword);
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        await admin.CommandAsync("a1", "CREATE \"Shared Folders/News\"");
        await admin.CommandAsync("a2", "CREATE \"Shared Folders/Team\"");
        await admin.CommandAsync("a3", "SETACL \"Shared Folders/News\" anyone lr");
        await admin.CommandAsync("a4", "SETACL \"Shared Folders/News\" carol@example.com lrx");
        await admin.CommandAsync("a5", "SETACL \"Shared Folders/Team\" carol@example.com lr");
        Assert.Equal(["b0 OK SUBSCRIBE completed"], await bob.CommandAsync("b0", "SUBSCRIBE \"Shared Folders/News\""));

        Assert.Equal(["b1 NO [NOPERM] You lack the 'x' right on this mailbox"], await bob.CommandAsync("b1", "RENAME \"Shared Folders/News\" \"Shared Folders/Old\""));
        Assert.Equal(["c1 OK RENAME completed"], await carol.CommandAsync("c1", "RENAME \"Shared Folders/News\" \"Shared Folders/Bulletin\""));
        Assert.Equal(["\"Shared Folders/Bulletin\""], await SubscribedAsync(bob, "b2"));
        Assert.Equal(["* STATUS \"Shared Folders/Bulletin\" (MESSAGES 0)", "b3 OK STATUS completed"], await bob.CommandAsync("b3", "STATUS \"Shared Folders/Bulletin\" (MESSAGES)"));
        Assert.Equal(["b4 NO [NONEXISTENT] No such mailbox"], await bob.CommandAsync("b4", "STATUS \"Shared Folders/News\" (MESSAGES)"));

        Assert.Equal(["c2 NO [NOPERM] You lack the 'k' right on Shared Folders/Team"],
            await carol.CommandAsync("c2", "RENAME \"Shared Folders/Bulletin\" \"Shared Folders/Team/Bulletin\""));
        await admin.CommandAsync("a6", "SETACL \"Shared Folders/Team\" carol@example.com +k");
        Assert.Equal(["c3 OK RENAME completed"], await carol.CommandAsync("c3", "RENAME \"Shared Folders/Bulletin\" \"Shared Folders/Team/Bulletin\""));
        Assert.Equal(["\"Shared Folders/Team/Bulletin\""], await SubscribedAsync(bob, "b5"));
        Assert.Equal(["c4 NO [NOPERM] Only administrators make folders at the top of the public folders"],
            await carol.CommandAsync("c4", "RENAME \"Shared Folders/Team/Bulletin\" \"Shared Folders/Bulletin\""));
        Assert.Equal(["c5 NO [CANNOT] A folder stays with its owner: rename it within Shared Folders"],
            await carol.CommandAsync("c5", "RENAME \"Shared Folders/Team/Bulletin\" Bulletin"));
        Assert.Equal(["a7 OK RENAME completed"], await admin.CommandAsync("a7", "RENAME \"Shared Folders/Team/Bulletin\" \"Shared Folders/Bulletin\""));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Shared Folders/Bulletin\"", "* LIST (\\HasNoChildren) \"/\" \"Shared Folders/Team\"", "a8 OK LIST completed"],
            await admin.CommandAsync("a8", "LIST \"Shared Folders/\" %"));
    }
}
