using System.Net;
using System.Net.Sockets;
using Appliance.Storage;
using Dapper;

namespace Appliance.Filtering.Uce;

public enum GreylistStatus
{
    /// <summary>First sight of the triplet, or the retry came too early or too late: 451, try again.</summary>
    Deferred,
    /// <summary>The retry came within the window, or the triplet passed before.</summary>
    Passed,
    /// <summary>The client's network has passed often enough to skip greylisting (the automatic allow list).</summary>
    AutoAllowed,
}

public sealed record GreylistResult(GreylistStatus Status, TimeSpan RetryAfter);

/// <summary>
/// Greylisting (Harris 2003; RFC 6647 describes the practice): a first message of each (client network, sender,
/// recipient) triplet is deferred with 451; a real MTA retries after the delay and is let through, and its
/// network, after <see cref="GreylistingSettings.AutoAllowAfter"/> passes, is not delayed again. The client is
/// taken as its /24 (IPv4) or /64 (IPv6): big senders retry from another address of the same pool.
/// Triplets live in the <c>greylist</c> table (migration 18), so a restart forgets no one.
/// </summary>
public sealed class Greylisting(Database database, TimeProvider time)
{
    public static string ClientNetwork(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        var bytes = address.GetAddressBytes();
        var prefix = address.AddressFamily == AddressFamily.InterNetwork ? 24 : 64;
        for (var i = prefix / 8; i < bytes.Length; i++) bytes[i] = 0;
        return $"{new IPAddress(bytes)}/{prefix}";
    }

    public async Task<GreylistResult> CheckAsync(IPAddress client, string sender, string recipient, GreylistingSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var network = ClientNetwork(client);
        var from = sender.ToLowerInvariant();
        var to = recipient.ToLowerInvariant();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var delay = settings.DelaySeconds * 1000L;
        var window = settings.RetryWindowHours * 3_600_000L;
        var expiry = settings.ExpiryDays * 86_400_000L;
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (settings.AutoAllowAfter > 0)
            {
                var known = await connection.QuerySingleOrDefaultAsync<(long Passes, long LastSeen)?>(
                    "SELECT passes, last_seen FROM greylist_clients WHERE client = @network", new { network }, transaction).ConfigureAwait(false);
                if (known is { } k && k.Passes >= settings.AutoAllowAfter && k.LastSeen >= now - expiry)
                {
                    await connection.ExecuteAsync("UPDATE greylist_clients SET last_seen = @now WHERE client = @network", new { now, network }, transaction).ConfigureAwait(false);
                    return new GreylistResult(GreylistStatus.AutoAllowed, TimeSpan.Zero);
                }
            }
            var row = await connection.QuerySingleOrDefaultAsync<(long FirstSeen, long LastSeen, long Passed)?>(
                "SELECT first_seen, last_seen, passed FROM greylist WHERE client = @network AND sender = @from AND recipient = @to",
                new { network, from, to }, transaction).ConfigureAwait(false);
            if (row is not { } r || (r.Passed != 0 && r.LastSeen < now - expiry) || (r.Passed == 0 && now - r.FirstSeen > window))
            {
                // New, or forgotten: start over.
                await connection.ExecuteAsync("""
                    INSERT INTO greylist(client, sender, recipient, first_seen, last_seen, passed) VALUES (@network, @from, @to, @now, @now, 0)
                    ON CONFLICT(client, sender, recipient) DO UPDATE SET first_seen = @now, last_seen = @now, passed = 0
                    """, new { network, from, to, now }, transaction).ConfigureAwait(false);
                return new GreylistResult(GreylistStatus.Deferred, TimeSpan.FromMilliseconds(delay));
            }
            if (r.Passed != 0)
            {
                await connection.ExecuteAsync("UPDATE greylist SET last_seen = @now WHERE client = @network AND sender = @from AND recipient = @to",
                    new { now, network, from, to }, transaction).ConfigureAwait(false);
                return new GreylistResult(GreylistStatus.Passed, TimeSpan.Zero);
            }
            if (now - r.FirstSeen < delay)
            {
                await connection.ExecuteAsync("UPDATE greylist SET last_seen = @now WHERE client = @network AND sender = @from AND recipient = @to",
                    new { now, network, from, to }, transaction).ConfigureAwait(false);
                return new GreylistResult(GreylistStatus.Deferred, TimeSpan.FromMilliseconds(delay - (now - r.FirstSeen)));
            }
            await connection.ExecuteAsync("UPDATE greylist SET last_seen = @now, passed = 1 WHERE client = @network AND sender = @from AND recipient = @to",
                new { now, network, from, to }, transaction).ConfigureAwait(false);
            await connection.ExecuteAsync("""
                INSERT INTO greylist_clients(client, passes, last_seen) VALUES (@network, 1, @now)
                ON CONFLICT(client) DO UPDATE SET passes = passes + 1, last_seen = @now
                """, new { network, now }, transaction).ConfigureAwait(false);
            return new GreylistResult(GreylistStatus.Passed, TimeSpan.Zero);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets expired triplets and clients; returns how many rows went. For a daily job.</summary>
    public async Task<int> PurgeAsync(GreylistingSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = now - settings.ExpiryDays * 86_400_000L;
        var stale = now - settings.RetryWindowHours * 3_600_000L;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync("""
            DELETE FROM greylist WHERE (passed = 1 AND last_seen < @expired) OR (passed = 0 AND first_seen < @stale);
            DELETE FROM greylist_clients WHERE last_seen < @expired;
            """, new { expired, stale }).ConfigureAwait(false);
    }
}
