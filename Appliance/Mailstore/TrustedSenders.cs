using Appliance.Storage;
using Dapper;

namespace Appliance.Mailstore;

/// <summary>Senders whose remote images a user chose to always load ("always show images from this sender").</summary>
public sealed class TrustedSenders(Database database)
{
    public async Task<bool> IsTrustedAsync(long userId, string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM trusted_senders WHERE user_id = @userId AND address = @address",
            new { userId, address = address.ToLowerInvariant() }).ConfigureAwait(false) > 0;
    }

    public async Task TrustAsync(long userId, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO trusted_senders(user_id, address) VALUES (@userId, @address) ON CONFLICT DO NOTHING",
            new { userId, address = address.Trim().ToLowerInvariant() }).ConfigureAwait(false);
    }
}
