using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mailstore;

public sealed class MailStoreFoldersTests : IAsyncLifetime
{
    private TestServices _services = null!;
    private long _inbox;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        await _services.SetUpAsync();
        var user = (await _services.Get<UserRepository>().FindAsync("admin@example.com"))!;
        var store = _services.Get<MailStore>();
        await store.EnsureDefaultsAsync(user.Id);
        _inbox = (await store.FindMailboxAsync(user.Id, "INBOX"))!.Id;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<List<long>> AddAsync(int count)
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
                    uids.Add(await _services.Get<MailStore>().AppendAsync(connection, transaction, _inbox, blob, DateTimeOffset.UnixEpoch, ""));
                }
                return uids;
            });
        }
        finally
        {
            blobs.Unpin(blob);
        }
    }

    [Fact]
    public async Task Messages_by_uid_returns_each_named_uid_once_in_uid_order_past_500()
    {
        var uids = await AddAsync(1200);
        // Every other UID, asked for in descending order, with a duplicate and a UID the folder never had.
        var wanted = uids.Where((_, i) => i % 2 == 0).Reverse().Append(uids[0]).Append(uids[^1] + 1000).ToList();

        var rows = await _services.Get<MailStore>().MessagesByUidAsync(_inbox, wanted);

        Assert.Equal(uids.Where((_, i) => i % 2 == 0), rows.Select(r => r.Uid));
        Assert.All(rows, r => Assert.Equal(_inbox, r.MailboxId));
    }

    [Fact]
    public async Task Messages_by_uid_of_no_uids_is_empty()
    {
        await AddAsync(3);

        Assert.Empty(await _services.Get<MailStore>().MessagesByUidAsync(_inbox, []));
    }
}
