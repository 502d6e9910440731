using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Pop3;

/// <summary>Puts exact bytes into a user's INBOX, as a delivery would, so that tests control every octet POP3 then serves.</summary>
internal static class Pop3Mail
{
    public const string Password = "Str0ng-Passw0rd";

    public static async Task AddUsersAsync(RunningHost host)
    {
        var users = host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await users.AddAsync(Actor.CommandLine, new NewUser("carol@example.com", Password, "Carol"));
    }

    public static Task<long> DeliverAsync(RunningHost host, string address, string message) => DeliverAsync(host, address, Encoding.UTF8.GetBytes(message));

    public static async Task<long> DeliverAsync(RunningHost host, string address, byte[] message)
    {
        var user = await host.Get<UserRepository>().FindAsync(address) ?? throw new InvalidOperationException(address);
        var blobs = host.Get<BlobStore>();
        var store = host.Get<MailStore>();
        var blob = await blobs.StoreAsync(new MemoryStream(message));
        long inbox = 0;
        try
        {
            await host.Get<Database>().InTransactionAsync(async (connection, transaction) =>
            {
                await BlobStore.RegisterAsync(connection, transaction, blob);
                inbox = await store.EnsureInboxAsync(connection, transaction, user.Id);
                await store.AppendAsync(connection, transaction, inbox, blob, DateTimeOffset.UtcNow);
            });
        }
        finally
        {
            blobs.Unpin(blob);
        }
        host.Get<MailboxEvents>().Changed(inbox);
        return inbox;
    }

    public static async Task<List<long>> UidsAsync(RunningHost host, string address) =>
        (await host.Get<MailStore>().MessagesAsync(address)).Select(m => m.Uid).ToList();

    public static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
