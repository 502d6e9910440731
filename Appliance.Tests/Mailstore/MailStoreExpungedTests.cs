using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Mailstore;

/// <summary>
/// The expunged-UID record QRESYNC answers from (RFC 7162 §3.2): every path that removes messages (IMAP EXPUNGE and UID
/// EXPUNGE, MOVE, POP3's UPDATE) writes it with the mod-sequence the removal took, and the retention prunes it without
/// ever letting a client believe the record is complete when it is not.
/// </summary>
public sealed class MailStoreExpungedTests : IAsyncLifetime
{
    private TestServices _services = null!;
    private long _inbox;
    private long _archive;
    private long _userId;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        await _services.SetUpAsync();
        var user = (await _services.Get<UserRepository>().FindAsync("admin@example.com"))!;
        _userId = user.Id;
        var store = _services.Get<MailStore>();
        await store.EnsureDefaultsAsync(user.Id);
        _inbox = (await store.FindMailboxAsync(user.Id, "INBOX"))!.Id;
        _archive = (await store.FindMailboxAsync(user.Id, "Archive"))!.Id;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private MailStore Store => _services.Get<MailStore>();

    private async Task<List<long>> AddAsync(int count, string flags = "")
    {
        var blobs = _services.Get<BlobStore>();
        var blob = await blobs.StoreAsync(new MemoryStream(Encoding.UTF8.GetBytes("From: a@example.org\r\nSubject: s\r\n\r\nbody\r\n")));
        try
        {
            return await _services.Get<Database>().InTransactionAsync(async (connection, transaction) =>
            {
                await BlobStore.RegisterAsync(connection, transaction, blob);
                var uids = new List<long>();
                for (var i = 0; i < count; i++)
                {
                    uids.Add(await Store.AppendAsync(connection, transaction, _inbox, blob, DateTimeOffset.UnixEpoch, flags));
                }
                return uids;
            });
        }
        finally
        {
            blobs.Unpin(blob);
        }
    }

    private async Task<long> HighestAsync() => (await Store.MailboxStateAsync(_inbox))!.Highestmodseq;

    [Fact]
    public async Task Expunge_move_and_pop3_deletion_each_record_their_uids_with_the_modseq_they_took()
    {
        var uids = await AddAsync(6, "\\Deleted");
        var start = await HighestAsync();
        var none = await Store.ExpungedSinceAsync(_inbox, start);
        Assert.Empty(none.Uids);
        Assert.True(none.Complete); // a folder made after the table existed: its record is whole from the start

        Assert.Equal([uids[0], uids[1]], await Store.ExpungeAsync(_inbox, [uids[0], uids[1]]));
        var afterExpunge = await HighestAsync();
        Assert.Equal(start + 1, afterExpunge);
        await Store.CopyAsync(_inbox, [uids[2]], _archive, move: true, quotaBytes: 0, _userId);
        var afterMove = await HighestAsync();
        Assert.Equal(1, await Store.DeleteMessagesAsync(_inbox, [uids[3], uids[0]]));

        Assert.Equal([uids[0], uids[1], uids[2], uids[3]], (await Store.ExpungedSinceAsync(_inbox, start)).Uids);
        Assert.Equal([uids[2], uids[3]], (await Store.ExpungedSinceAsync(_inbox, afterExpunge)).Uids);
        Assert.Equal([uids[3]], (await Store.ExpungedSinceAsync(_inbox, afterMove)).Uids);
        Assert.Empty((await Store.ExpungedSinceAsync(_inbox, await HighestAsync())).Uids);
        Assert.True((await Store.ExpungedSinceAsync(_inbox, 0)).Complete);
        // The copy in Archive is a new message there; nothing vanished from Archive.
        Assert.Empty((await Store.ExpungedSinceAsync(_archive, 0)).Uids);
    }

    [Fact]
    public async Task Pruning_by_age_drops_old_records_and_marks_the_record_incomplete_below_them()
    {
        var uids = await AddAsync(3, "\\Deleted");
        await Store.ExpungeAsync(_inbox, [uids[0]]);
        var first = await HighestAsync();
        await using (var connection = await _services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE expunged_uids SET expunged_at = 0");
        }
        Assert.Equal([uids[0]], (await Store.ExpungedSinceAsync(_inbox, 0)).Uids); // not pruned until the next expunge
        await Store.ExpungeAsync(_inbox, [uids[1]]);

        var before = await Store.ExpungedSinceAsync(_inbox, first - 1);
        Assert.Equal([uids[1]], before.Uids);
        Assert.False(before.Complete);
        var since = await Store.ExpungedSinceAsync(_inbox, first);
        Assert.Equal([uids[1]], since.Uids);
        Assert.True(since.Complete);
    }
}
